"""The load stage recognises each shape the AWS collector writes, and no other."""

from __future__ import annotations

from typing import Any

import pytest

from graph.load import recognize

TREE = {
    "OrganizationId": "o-abc",
    "Roots": [{"Id": "r-ab12", "OrganizationalUnits": [], "Accounts": []}],
}
POLICIES = {
    "Policies": [
        {
            "PolicySummary": {"Id": "p-1", "Type": "SERVICE_CONTROL_POLICY"},
            "Content": {"Version": "2012-10-17", "Statement": []},
            "Targets": [{"TargetId": "ou-ab12-xyz"}],
        }
    ]
}
KEYS = {
    "AccountId": "123456789012",
    "AccessKeyMetadata": [{"UserName": "a", "AccessKeyId": "AKIA1"}],
}


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (TREE, "aws.organization_tree"),
        ({"Roots": [{"Id": "r-ab12", "Name": "Root"}]}, "aws.organization_tree"),
        (POLICIES, "aws.org_policies"),
        (KEYS, "aws.access_keys"),
        ({"AccessKeyMetadata": []}, "aws.access_keys"),
        ({"Accounts": [{"Id": "123456789012"}]}, "aws.org_accounts"),
        (
            {"UserDetailList": [], "RoleDetailList": [], "Policies": []},
            "aws.authz",
        ),
        ({"Roots": ["r-ab12"]}, None),
        ({"Policies": [{"Arn": "arn:aws:iam::aws:policy/x"}]}, None),
    ],
)
def test_collector_shapes_are_recognised(data: Any, kind: str | None) -> None:
    assert recognize(data) == kind
