"""GCP export shapes are recognised by content, whatever the file is called."""

from typing import Any

import pytest

from graph.load import recognize

POLICY = {"bindings": [{"role": "roles/viewer", "members": ["user:a@example.com"]}]}
SA_NAME = "projects/p/serviceAccounts/a@p.iam.gserviceaccount.com"
POOL = "projects/1/locations/global/workloadIdentityPools/pool"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (
            [
                {
                    "resource": "//cloudresourcemanager.googleapis.com/projects/p",
                    "project": "projects/1",
                    "policy": POLICY,
                }
            ],
            "gcp.iam_policy_search",
        ),
        (
            {
                "resource": "//cloudresourcemanager.googleapis.com/projects/p",
                "policy": POLICY,
            },
            "gcp.iam_policy",
        ),
        ({"version": 1, "etag": "BwX=", **POLICY}, "gcp.policy_body"),
        (POLICY["bindings"], "gcp.policy_body"),
        (
            [
                {
                    "name": "//cloudresourcemanager.googleapis.com/projects/1",
                    "asset_type": "cloudresourcemanager.googleapis.com/Project",
                    "iam_policy": POLICY,
                }
            ],
            "gcp.cai_export",
        ),
        (
            [
                {
                    "email": "a@p.iam.gserviceaccount.com",
                    "projectId": "p",
                    "uniqueId": "1",
                    "name": SA_NAME,
                }
            ],
            "gcp.service_accounts",
        ),
        (
            {"accounts": [{"email": "a@p.iam.gserviceaccount.com", "uniqueId": "1"}]},
            "gcp.service_accounts",
        ),
        ([{"name": f"{SA_NAME}/keys/k1", "keyType": "USER_MANAGED"}], "gcp.sa_keys"),
        ({"name": "projects/p/roles/r", "includedPermissions": []}, "gcp.custom_roles"),
        ([{"name": f"{POOL}/providers/gh", "oidc": {}}], "gcp.workload_identity"),
        (
            {"workloadIdentityPoolProviders": [{"name": f"{POOL}/providers/gh"}]},
            "gcp.workload_identity",
        ),
        ({"name": "policies/x/denypolicies/d", "rules": []}, "gcp.deny_policies"),
        ([{"projectId": "p", "projectNumber": "1", "parent": {}}], "gcp.containers"),
        ([{"name": "folders/2", "parent": "organizations/3"}], "gcp.containers"),
        ({"group": "g@example.com", "memberships": []}, "gcp.group_memberships"),
    ],
)
def test_shape_is_recognised(data: Any, kind: str) -> None:
    assert recognize(data) == kind


@pytest.mark.parametrize(
    "data",
    [[], {}, [{"role": "roles/viewer"}], {"bindings": "none"}, [1, 2], "text"],
)
def test_near_misses_are_not_gcp(data: Any) -> None:
    kind = recognize(data)
    assert kind is None or not kind.startswith("gcp.")
