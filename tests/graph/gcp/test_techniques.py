"""Each GCP technique on a tiny estate: inheritance, act-as, roles, guardrails."""

import json
from pathlib import Path
from typing import Any

import pytest

from graph.build import build_graph
from graph.load import load_inputs
from graph.model import Mechanism
from graph.trustgraph import TrustGraph

ORG = "organizations/1"
CRM = "//cloudresourcemanager.googleapis.com/"
CLOUDSERVICES = "serviceAccount:101@cloudservices.gserviceaccount.com"
AGENT = "serviceAccount:service-101@gcp-sa-pubsub.iam.gserviceaccount.com"
PARTNER = "serviceAccount:ci@partner-build.iam.gserviceaccount.com"


def sa(name: str, project: str) -> str:
    return f"serviceAccount:{name}@{project}.iam.gserviceaccount.com"


def binding(role: str, *members: str, **condition: str) -> dict[str, Any]:
    found: dict[str, Any] = {"role": role, "members": list(members)}
    if condition:
        found["condition"] = condition
    return found


def policy(resource: str, *bindings: dict[str, Any]) -> dict[str, Any]:
    return {"resource": CRM + resource, "policy": {"bindings": list(bindings)}}


def write(folder: Path, name: str, data: Any) -> None:
    (folder / name).write_text(json.dumps(data))


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> TrustGraph:
    folder = tmp_path_factory.mktemp("estate")
    write(
        folder,
        "projects.json",
        [
            {
                "projectId": "p1",
                "projectNumber": "101",
                "parent": {"type": "folder", "id": "10"},
            },
            {
                "projectId": "p2",
                "projectNumber": "102",
                "parent": {"type": "organization", "id": "1"},
            },
        ],
    )
    write(
        folder,
        "folders.json",
        [
            {"name": ORG, "displayName": "example.com"},
            {"name": "folders/10", "parent": ORG},
        ],
    )
    write(
        folder,
        "accounts.json",
        [
            {
                "email": "a@p1.iam.gserviceaccount.com",
                "projectId": "p1",
                "uniqueId": "11",
            },
            {
                "email": "b@p2.iam.gserviceaccount.com",
                "projectId": "p2",
                "uniqueId": "12",
            },
            {
                "email": "off@p2.iam.gserviceaccount.com",
                "projectId": "p2",
                "uniqueId": "13",
                "disabled": True,
            },
        ],
    )
    write(
        folder,
        "roles.json",
        [
            {
                "name": "projects/p1/roles/custom",
                "includedPermissions": ["compute.zones.list"],
            }
        ],
    )
    write(
        folder,
        "policies.json",
        [
            policy(ORG, binding("roles/orgpolicy.policyAdmin", "user:org@example.com")),
            policy(
                "folders/10",
                binding(
                    "roles/iam.serviceAccountTokenCreator", "user:folder@example.com"
                ),
                binding("roles/resourcemanager.folderAdmin", "user:fadmin@example.com"),
            ),
            policy(
                "projects/p1",
                binding("roles/editor", CLOUDSERVICES, AGENT),
                binding(
                    "roles/iam.serviceAccountUser",
                    "user:local@example.com",
                    "user:remote@example.com",
                    "user:idle@example.com",
                ),
                binding("roles/run.developer", "user:local@example.com"),
                binding("roles/iam.roleAdmin", "user:roles@example.com"),
                binding("projects/p1/roles/custom", "user:roles@example.com"),
                binding("roles/deploymentmanager.editor", "user:dm@example.com"),
                binding("roles/storage.hmacKeyAdmin", "user:hmac@example.com"),
                binding("roles/iam.serviceAccountKeyAdmin", "user:keys@example.com"),
            ),
            policy(
                "projects/p2",
                binding("roles/run.developer", "user:remote@example.com"),
                binding("roles/iam.serviceAccountTokenCreator", PARTNER),
                binding(
                    "roles/iam.serviceAccountUser",
                    "domain:partner.example",
                    "allAuthenticatedUsers",
                ),
                binding("roles/viewer", "allUsers"),
            ),
        ],
    )
    write(
        folder,
        "deny.json",
        [
            {
                "name": "policies/cloudresourcemanager.googleapis.com%2Fprojects%2Fp1"
                "/denypolicies/keys-after-hours",
                "rules": [
                    {
                        "denyRule": {
                            "deniedPrincipals": ["principalSet://goog/public:all"],
                            "deniedPermissions": [
                                "iam.googleapis.com/serviceAccountKeys.*"
                            ],
                            "denialCondition": {
                                "expression": "request.time.getHours('UTC') > 18"
                            },
                        }
                    }
                ],
            }
        ],
    )
    return build_graph(load_inputs([folder]))


def targets(graph: TrustGraph, source: str) -> set[tuple[str, str, bool]]:
    return {
        (e.target, str(e.mechanism), e.conditional) for e in graph.out_edges(source)
    }


def test_folder_grant_covers_projects_below_only(graph: TrustGraph) -> None:
    assert targets(graph, "user:folder@example.com") == {
        (sa("a", "p1"), "impersonate", False)
    }


def test_act_as_needs_compute_and_prefers_the_same_project(graph: TrustGraph) -> None:
    assert targets(graph, "user:local@example.com") == {
        (sa("a", "p1"), "act_as", False)
    }
    edge = graph.edge("user:remote@example.com", sa("a", "p1"), Mechanism.ACT_AS)
    assert edge is not None and edge.conditional
    assert [c.key for c in edge.conditions] == [
        "constraints/iam.disableCrossProjectServiceAccountUsage"
    ]
    assert len(edge.evidence) == 2
    assert "user:idle@example.com" in graph
    assert graph.out_edges("user:idle@example.com") == []


def test_set_iam_policy_reaches_the_highest_scope_only(graph: TrustGraph) -> None:
    assert targets(graph, "user:fadmin@example.com") == {
        ("folders/10", "set_iam_policy", False)
    }
    assert graph.is_admin("folders/10")


def test_custom_role_editor_can_grow_its_own_role(graph: TrustGraph) -> None:
    assert targets(graph, "user:roles@example.com") == {
        ("projects/p1", "update_custom_role", False)
    }


def test_deployment_manager_runs_as_cloudservices(graph: TrustGraph) -> None:
    assert targets(graph, "user:dm@example.com") == {(CLOUDSERVICES, "act_as", False)}


def test_org_policy_edge_is_conditional(graph: TrustGraph) -> None:
    assert targets(graph, "user:org@example.com") == {(ORG, "set_org_policy", True)}


def test_hmac_and_conditional_deny(graph: TrustGraph) -> None:
    assert targets(graph, "user:hmac@example.com") == {
        (sa("a", "p1"), "create_hmac_key", False)
    }
    edge = graph.edge("user:keys@example.com", sa("a", "p1"), Mechanism.CREATE_SA_KEY)
    assert edge is not None and edge.conditional
    assert graph.blocked == []


def test_service_agents_are_not_reached_by_project_grants(graph: TrustGraph) -> None:
    assert graph.in_edges(AGENT) == []
    assert graph.container_of(AGENT) == "projects/p1"


def test_bare_policy_body_is_an_unknown_scope(tmp_path: Path) -> None:
    body = {
        "version": 1,
        "etag": "BwX=",
        "bindings": [binding("roles/owner", "user:owner@example.com")],
    }
    write(tmp_path, "org-policy.json", body)
    graph = build_graph(load_inputs([tmp_path]))
    assert graph.admins() == ["user:owner@example.com"]
    assert "unknown resource" in graph.admin_reason("user:owner@example.com")
    assert [g.reason for g in graph.coverage] == ["unknown-resource"]


def test_accounts_of_unlisted_projects_are_outsiders(graph: TrustGraph) -> None:
    assert graph.principal(PARTNER).external
    assert not graph.principal(sa("a", "p1")).external
    assert not graph.principal(AGENT).external
    assert targets(graph, PARTNER) == {
        (sa("b", "p2"), "impersonate", False),
        (sa("off", "p2"), "impersonate", True),
    }


def test_disabled_account_is_reached_only_conditionally(graph: TrustGraph) -> None:
    edge = graph.edge(PARTNER, sa("off", "p2"), Mechanism.IMPERSONATE)
    assert edge is not None
    assert [c.key for c in edge.conditions] == ["disabled"]


def test_broad_members_with_act_as_are_noted(graph: TrustGraph) -> None:
    notes = {
        (n.evidence.detail, n.subject, str(n.severity))
        for n in graph.notes
        if n.rule == "trust.broad-principal"
    }
    assert notes == {
        ("domain:partner.example", "projects/p2", "high"),
        ("allAuthenticatedUsers", "projects/p2", "critical"),
    }


def test_same_policy_from_two_exports_is_one_finding(tmp_path: Path) -> None:
    resource = (
        "//iam.googleapis.com/projects/p/serviceAccounts/a@p.iam.gserviceaccount.com"
    )
    body = {"bindings": [binding("roles/iam.serviceAccountTokenCreator", "allUsers")]}
    write(tmp_path, "wrapped.json", {"resource": resource, "policy": body})
    write(tmp_path, "search.json", [{"resource": resource, "policy": body}])
    graph = build_graph(load_inputs([tmp_path]))
    notes = [n for n in graph.notes if n.rule == "trust.broad-principal"]
    assert [n.subject for n in notes] == [sa("a", "p")]
    edge = graph.edge("allUsers", sa("a", "p"), Mechanism.IMPERSONATE)
    assert edge is not None and len(edge.evidence) == 2


def test_policy_of_an_unknown_unique_id_is_a_gap(tmp_path: Path) -> None:
    resource = "//iam.googleapis.com/projects/p/serviceAccounts/1234567890"
    body = {"bindings": [binding("roles/iam.serviceAccountTokenCreator", "allUsers")]}
    write(tmp_path, "wrapped.json", {"resource": resource, "policy": body})
    graph = build_graph(load_inputs([tmp_path]))
    assert [g.reason for g in graph.coverage] == ["unresolved-service-account"]
    assert graph.notes == []
