"""Reading the estate: hierarchy from search results, numbers folded into ids."""

from graph.gcp.estate import read_estate
from graph.load import Inventory, LoadedDocument
from graph.model import NodeKind

CRM = "//cloudresourcemanager.googleapis.com/"
EMAIL = "app@my-proj.iam.gserviceaccount.com"
BODY = {"bindings": [{"role": "roles/viewer", "members": ["user:a@example.com"]}]}


def _inventory() -> Inventory:
    search = [
        {
            "resource": CRM + "projects/my-proj",
            "project": "projects/77",
            "folders": ["folders/3", "folders/2"],
            "organization": "organizations/1",
            "policy": BODY,
        },
        {
            "resource": f"//iam.googleapis.com/projects/my-proj/serviceAccounts/"
            f"{EMAIL}",
            "project": "projects/77",
            "policy": BODY,
        },
    ]
    assets = [
        {
            "name": CRM + "projects/77",
            "asset_type": "cloudresourcemanager.googleapis.com/Project",
            "iam_policy": BODY,
        }
    ]
    return Inventory(
        documents=[
            LoadedDocument("gcp.iam_policy_search", "search.json", search),
            LoadedDocument("gcp.cai_export", "assets.json", assets),
        ]
    )


def test_search_results_carry_the_hierarchy() -> None:
    estate = read_estate(_inventory())
    assert estate.ancestors("projects/my-proj") == [
        "projects/my-proj",
        "folders/3",
        "folders/2",
        "organizations/1",
    ]
    assert estate.containers["organizations/1"].kind is NodeKind.GCP_ORGANIZATION


def test_project_numbers_fold_into_project_ids() -> None:
    estate = read_estate(_inventory())
    projects = [c for c in estate.containers.values() if c.kind is NodeKind.GCP_PROJECT]
    assert [(c.node_id, c.number) for c in projects] == [("projects/my-proj", "77")]
    scopes = sorted(estate.scope_id(p.resource) for p in estate.policies)
    assert scopes == ["projects/my-proj", "projects/my-proj", f"serviceAccount:{EMAIL}"]
    assert estate.service_accounts[EMAIL].project == "my-proj"
