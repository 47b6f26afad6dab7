"""Organisation guardrails: SCP levels, the management account, RCPs on trusts."""

from __future__ import annotations

from typing import Any

import pytest

from graph.aws.conditions import RequestContext
from graph.aws.guardrails import RCP, SCP, load_guardrails
from graph.aws.policy import Outcome
from graph.load import Inventory, LoadedDocument, recognize
from graph.model import Mechanism
from tests.graph.aws.escalation_cases import (
    ACCOUNT,
    FULL_ACCESS,
    OTHER,
    admin_role,
    allow,
    arn,
    build,
    deny,
    document,
    scp_file,
    user,
)

MANAGEMENT = "999999999999"
NESTED_TREE = {
    "OrganizationId": "o-abc",
    "Roots": [
        {
            "Id": "r-root",
            "Accounts": [{"Id": MANAGEMENT}],
            "OrganizationalUnits": [
                {
                    "Id": "ou-prod",
                    "Accounts": [{"Id": ACCOUNT}],
                    "OrganizationalUnits": [],
                }
            ],
        }
    ],
}
FLAT_TREE = {
    "Roots": [{"Id": "r-root"}],
    "OrganizationalUnits": [
        {"Id": "ou-prod", "ParentId": "r-root", "Accounts": [ACCOUNT]},
    ],
}


def _guardrails(tree: dict[str, Any], *entries: Any, rcp: bool = False) -> Any:
    docs = [
        LoadedDocument("aws.organization_tree", "tree.json", tree),
        LoadedDocument("aws.org_policies", "p.json", scp_file(*entries, rcp=rcp)),
        LoadedDocument(
            "aws.organization",
            "org.json",
            {"Organization": {"Id": "o-abc", "MasterAccountId": MANAGEMENT}},
        ),
    ]
    return load_guardrails(Inventory(documents=docs), [])


def test_files_are_recognised() -> None:
    assert recognize(NESTED_TREE) == "aws.organization_tree"
    assert recognize(FLAT_TREE) == "aws.organization_tree"
    assert recognize(scp_file(("full", FULL_ACCESS, ["r-root"]))) == "aws.org_policies"


@pytest.mark.parametrize("tree", [NESTED_TREE, FLAT_TREE], ids=["nested", "flat"])
def test_levels_run_from_root_to_account(tree: dict[str, Any]) -> None:
    guardrails = _guardrails(tree, ("full", FULL_ACCESS, ["r-root"]))
    assert guardrails.levels(ACCOUNT) == ["r-root", "ou-prod", ACCOUNT]


@pytest.mark.parametrize(
    ("ou_policy", "outcome"),
    [
        (document(allow("*")), Outcome.ALLOW),
        (document(allow("s3:*")), Outcome.NOT_ALLOWED),
        (document(allow("*"), deny("iam:*")), Outcome.DENY),
    ],
    ids=["ou-allows", "ou-allows-less", "ou-denies"],
)
def test_every_level_must_allow(ou_policy: dict[str, Any], outcome: Outcome) -> None:
    guardrails = _guardrails(
        NESTED_TREE,
        ("full", FULL_ACCESS, ["r-root", ACCOUNT]),
        ("ou", ou_policy, ["ou-prod"]),
    )
    decision = guardrails.evaluate(
        SCP, ACCOUNT, "iam:PutUserPolicy", "*", RequestContext()
    )
    assert decision.outcome is outcome


def test_scps_do_not_apply_to_the_management_account() -> None:
    guardrails = _guardrails(NESTED_TREE, ("deny", document(deny("*")), ["r-root"]))
    context = RequestContext()
    assert guardrails.evaluate(SCP, MANAGEMENT, "iam:*", "*", context).allowed
    assert not guardrails.evaluate(SCP, ACCOUNT, "iam:*", "*", context).allowed


def test_an_scp_unmakes_an_admin_but_deny_leave_does_not() -> None:
    scps = scp_file(
        ("full", FULL_ACCESS, ["r-root"]),
        ("no-leave", document(deny("organizations:LeaveOrganization")), ["r-root"]),
        ("no-iam", document(deny("iam:*")), [ACCOUNT]),
    )
    graph = build(
        user("me", allow("*")),
        user("boss", allow("*"), account=OTHER),
        extra=(("aws.org_policies", scps),),
    )
    assert not graph.is_admin(arn("user", "me"))
    assert graph.is_admin(arn("user", "boss", OTHER))


def test_an_scp_blocks_the_caller_side_of_a_trust() -> None:
    scps = scp_file(
        ("full", FULL_ACCESS, ["r-root"]),
        ("no-assume", document(deny("sts:AssumeRole")), [OTHER]),
    )
    caller = arn("user", "dev", OTHER)
    trusting = admin_role(trusts=(caller,))
    plain = build(user("dev", allow("sts:AssumeRole"), account=OTHER), trusting)
    assert plain.edge(caller, arn("role", "target"), Mechanism.ASSUME_ROLE) is not None

    guarded = build(
        user("dev", allow("sts:AssumeRole"), account=OTHER),
        trusting,
        extra=(("aws.org_policies", scps),),
    )
    assert guarded.edge(caller, arn("role", "target"), Mechanism.ASSUME_ROLE) is None
    assert [b.guardrail.document for b in guarded.blocked] == ["SCP no-assume"]


def test_an_rcp_blocks_callers_outside_the_organisation() -> None:
    outside = {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abc"}}
    rcps = scp_file(
        ("full", FULL_ACCESS, ["r-root"]),
        ("org-only", document(deny("sts:AssumeRole", Condition=outside)), [ACCOUNT]),
        rcp=True,
    )
    foreign = "333333333333"
    graph = build(
        admin_role(trusts=(f"arn:aws:iam::{foreign}:root",)),
        extra=(
            ("aws.org_policies", rcps),
            ("aws.org_accounts", {"Accounts": [{"Id": ACCOUNT}, {"Id": OTHER}]}),
            ("aws.organization", {"Organization": {"Id": "o-abc"}}),
        ),
    )
    source = f"arn:aws:iam::{foreign}:root"
    assert graph.edge(source, arn("role", "target"), Mechanism.ASSUME_ROLE) is None
    assert [b.guardrail.document for b in graph.blocked] == ["RCP org-only"]


def test_rcps_leave_service_principals_alone() -> None:
    guardrails = _guardrails(
        NESTED_TREE, ("deny", document(deny("sts:AssumeRole")), [ACCOUNT]), rcp=True
    )
    service = RequestContext(known={"aws:principalisawsservice": ("true",)})
    from graph.aws.guardrails import trust_block

    role_arn = arn("role", "r")
    assert (
        trust_block(guardrails, "", ACCOUNT, "sts:AssumeRole", role_arn, service)
        is None
    )
    assert guardrails.evaluate(
        RCP, ACCOUNT, "sts:AssumeRole", role_arn, service
    ).outcome is (Outcome.DENY)


def test_scps_do_not_apply_outside_the_organisation() -> None:
    guardrails = _guardrails(NESTED_TREE, ("deny", document(deny("*")), ["r-root"]))
    context = RequestContext()
    assert guardrails.evaluate(
        SCP, "444444444444", "sts:AssumeRole", "*", context
    ).allowed
    assert not guardrails.evaluate(SCP, ACCOUNT, "sts:AssumeRole", "*", context).allowed
