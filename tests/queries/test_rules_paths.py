"""Escalation findings over the public iam-vulnerable export: self-grants and
routes are both reported; AWS's own service-linked roles are not subjects."""

from pathlib import Path

import pytest

import crosstrust
from graph.model import Finding

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "aws"
EXPORT = CORPUS / "cloudsplaining_example_iam-vulnerable-deployment.authz.json"
ACCOUNT = "arn:aws:iam::200611803367"


@pytest.fixture(scope="module")
def escalations() -> dict[str, Finding]:
    trust = crosstrust.load(EXPORT)
    return {
        f.subject: f for f in trust.finding_list if f.rule == "path.escalation-to-admin"
    }


@pytest.mark.parametrize(
    ("name", "technique"),
    [
        ("user/privesc10-PutUserPolicy-user", "put_inline_policy"),
        ("user/privesc1-CreateNewPolicyVersion-user", "create_policy_version"),
        ("user/privesc13-AddUserToGroup-user", "add_user_to_group"),
        ("role/privesc9-AttachRolePolicy-role", "attach_policy"),
    ],
)
def test_self_grant_is_reported_with_its_technique(
    escalations: dict[str, Finding], name: str, technique: str
) -> None:
    finding = escalations[f"{ACCOUNT}:{name}"]
    assert finding.path == (f"{ACCOUNT}:{name}",)
    assert finding.title.startswith(f"can grant itself admin: {technique}")


def test_route_through_a_self_granting_user(escalations: dict[str, Finding]) -> None:
    finding = escalations[f"{ACCOUNT}:role/privesc4-CreateAccessKey-role"]
    assert finding.path[-1] == f"{ACCOUNT}:user/fn2-exploitableResourceConstraint-user"
    assert [str(e.mechanism) for e in finding.edges] == ["create_access_key"]


def test_service_linked_roles_are_not_subjects(
    escalations: dict[str, Finding],
) -> None:
    assert not [s for s in escalations if "/aws-service-role/" in s]
