"""IAM techniques: edges to other principals, and one-step self grants as admin."""

from __future__ import annotations

from typing import Any

import pytest

from graph.aws.escalation import registry
from graph.model import Mechanism, Verdict
from queries.paths import principals_reaching_admin
from tests.graph.aws.escalation_cases import (
    ACCOUNT,
    FULL_ACCESS,
    admin_role,
    allow,
    arn,
    build,
    deny,
    document,
    group,
    managed_policy,
    role,
    scp_file,
    user,
)

DEV = arn("user", "dev")
BOSS = arn("user", "boss")
TARGET = arn("role", "target")


@pytest.mark.parametrize(
    ("action", "mechanism", "conditional"),
    [
        ("iam:CreateAccessKey", Mechanism.CREATE_ACCESS_KEY, False),
        ("iam:CreateLoginProfile", Mechanism.CREATE_LOGIN_PROFILE, True),
        ("iam:UpdateLoginProfile", Mechanism.UPDATE_LOGIN_PROFILE, True),
    ],
)
@pytest.mark.parametrize("resource", [BOSS, arn("user", "b*")])
def test_new_credentials_for_another_user(
    action: str, mechanism: Mechanism, conditional: bool, resource: str
) -> None:
    graph = build(user("dev", allow(action, resource)), user("boss", allow("*")))

    edge = graph.edge(DEV, BOSS, mechanism)
    assert edge is not None and edge.conditional is conditional
    assert principals_reaching_admin(graph)[DEV].nodes == (DEV, BOSS)


@pytest.mark.parametrize(
    ("action", "mechanism"),
    [
        ("iam:CreateAccessKey", Mechanism.CREATE_ACCESS_KEY),
        ("iam:CreateLoginProfile", Mechanism.CREATE_LOGIN_PROFILE),
        ("iam:UpdateLoginProfile", Mechanism.UPDATE_LOGIN_PROFILE),
    ],
)
def test_new_credentials_scoped_to_another_user(
    action: str, mechanism: Mechanism
) -> None:
    graph = build(
        user("dev", allow(action, arn("user", "intern"))),
        user("boss", allow("*")),
        user("intern"),
    )
    assert graph.edge(DEV, BOSS, mechanism) is None
    assert graph.edge(DEV, arn("user", "intern"), mechanism) is not None


def test_a_used_password_makes_update_login_profile_certain() -> None:
    boss = {**user("boss", allow("*")), "PasswordLastUsed": "2026-11-01T00:00:00Z"}
    graph = build(user("dev", allow("iam:UpdateLoginProfile")), boss)
    edge = graph.edge(DEV, BOSS, Mechanism.UPDATE_LOGIN_PROFILE)
    assert edge is not None and not edge.conditional


def test_update_trust_policy_then_assume() -> None:
    graph = build(
        user("dev", allow(["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"])),
        admin_role(services=("ec2.amazonaws.com",)),
    )
    edge = graph.edge(DEV, TARGET, Mechanism.UPDATE_TRUST_POLICY)
    assert edge is not None
    granted = {e.detail.split(" ")[1] for e in edge.evidence}
    assert granted == {"iam:UpdateAssumeRolePolicy", "sts:AssumeRole"}


@pytest.mark.parametrize(
    "statements",
    [
        # wrong resource
        (allow("iam:UpdateAssumeRolePolicy", arn("role", "other")),),
        # assuming afterwards explicitly denied
        (allow("iam:UpdateAssumeRolePolicy"), deny("sts:AssumeRole")),
    ],
    ids=["wrong-resource", "assume-denied"],
)
def test_update_trust_policy_negatives(statements: tuple[dict[str, Any], ...]) -> None:
    graph = build(user("dev", *statements), admin_role())
    assert graph.edge(DEV, TARGET, Mechanism.UPDATE_TRUST_POLICY) is None


def test_update_trust_policy_blocked_by_an_scp() -> None:
    scps = scp_file(
        ("full", FULL_ACCESS, ["r-root"]),
        ("no-assume", document(deny("sts:AssumeRole")), [ACCOUNT]),
    )
    graph = build(
        user("dev", allow(["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"])),
        admin_role(),
        extra=(("aws.org_policies", scps),),
    )
    assert graph.edge(DEV, TARGET, Mechanism.UPDATE_TRUST_POLICY) is None
    blocked = [b.edge.mechanism for b in graph.blocked if b.edge.source == DEV]
    assert blocked == [Mechanism.UPDATE_TRUST_POLICY]


@pytest.mark.parametrize(
    ("resource", "expected"),
    [(arn("group", "ops"), True), (arn("group", "readers"), False)],
)
def test_add_user_to_group(resource: str, expected: bool) -> None:
    graph = build(
        user("dev", allow("iam:AddUserToGroup", resource)),
        group("ops", allow("s3:*")),
        group("readers"),
    )
    found = graph.edge(DEV, arn("group", "ops"), Mechanism.ADD_USER_TO_GROUP)
    assert (found is not None) is expected


# --- one-step self grants ----------------------------------------------------


def _reason(graph: Any, node_id: str) -> str:
    return graph.admin_reason(node_id) if graph.is_admin(node_id) else ""


SELF_CASES = [
    ("iam:PutUserPolicy", "user", "put_inline_policy"),
    ("iam:AttachUserPolicy", "user", "attach_policy"),
    ("iam:PutRolePolicy", "role", "put_inline_policy"),
    ("iam:AttachRolePolicy", "role", "attach_policy"),
]


@pytest.mark.parametrize(("action", "kind", "technique"), SELF_CASES)
def test_rewriting_its_own_policies_is_admin(
    action: str, kind: str, technique: str
) -> None:
    make = user if kind == "user" else role
    graph = build(make("me", allow(action, arn(kind, "me"))))
    assert _reason(graph, arn(kind, "me")).startswith(
        f"can grant itself admin: {technique} via {action}"
    )


@pytest.mark.parametrize(("action", "kind", "technique"), SELF_CASES)
def test_rewriting_another_principal_is_not_admin(
    action: str, kind: str, technique: str
) -> None:
    make = user if kind == "user" else role
    graph = build(make("me", allow(action, arn(kind, "other"))), make("other"))
    assert not graph.is_admin(arn(kind, "me"))


@pytest.mark.parametrize("kind", ["user", "role"])
def test_a_user_technique_held_by_a_role_does_nothing(kind: str) -> None:
    # PutUserPolicy on every user: a role is no user, so it gains nothing.
    graph = build(role("me", allow("iam:PutUserPolicy")), user("other"))
    assert not graph.is_admin(arn("role", "me"))
    assert principals_reaching_admin(graph) == {}


@pytest.mark.parametrize("action", ["iam:PutGroupPolicy", "iam:AttachGroupPolicy"])
@pytest.mark.parametrize(("groups", "expected"), [(("team",), True), ((), False)])
def test_rewriting_its_own_group(
    action: str, groups: tuple[str, ...], expected: bool
) -> None:
    graph = build(user("me", allow(action), groups=groups), group("team"))
    assert graph.is_admin(arn("user", "me")) is expected


@pytest.mark.parametrize(
    ("resource", "expected"),
    [(arn("policy", "mine"), True), (arn("policy", "theirs"), False)],
)
def test_create_policy_version_on_an_attached_policy(
    resource: str, expected: bool
) -> None:
    policies = (
        managed_policy("mine", document(allow("iam:CreatePolicyVersion", resource))),
        managed_policy("theirs", document(allow("s3:*"))),
    )
    graph = build(
        user("me", managed=(arn("policy", "mine"),)),
        user("other", managed=(arn("policy", "theirs"),)),
        policies=policies,
    )
    reason = _reason(graph, arn("user", "me"))
    assert (
        reason.startswith("can grant itself admin: create_policy_version") is expected
    )


@pytest.mark.parametrize(
    ("older", "expected"),
    [(document(allow("*")), True), (document(allow("s3:*")), False), (None, False)],
    ids=["older-grants-admin", "older-grants-less", "single-version"],
)
def test_set_default_policy_version(older: Any, expected: bool) -> None:
    current = document(allow("iam:SetDefaultPolicyVersion"))
    versions = (older, current) if older is not None else (current,)
    policy = managed_policy("mine", *versions, default=len(versions) - 1)
    graph = build(user("me", managed=(arn("policy", "mine"),)), policies=(policy,))
    reason = _reason(graph, arn("user", "me"))
    assert ("set_default_policy_version to v1" in reason) is expected


def _boundary(*statements: dict[str, Any]) -> dict[str, Any]:
    return managed_policy("boundary", document(*statements))


@pytest.mark.parametrize(
    ("identity", "expected"),
    [
        (allow("*"), True),
        (
            {
                "Effect": "Allow",
                "NotAction": "iam:DeleteUserPermissionsBoundary",
                "Resource": "*",
            },
            True,
        ),
        (
            {
                "Effect": "Allow",
                "NotAction": "iam:*PermissionsBoundary",
                "Resource": "*",
            },
            False,
        ),
    ],
    ids=["delete", "put", "neither"],
)
def test_removing_its_own_boundary(identity: dict[str, Any], expected: bool) -> None:
    graph = build(
        user("me", identity, boundary=arn("policy", "boundary")),
        policies=(_boundary(allow(["s3:*", "iam:*"])),),
    )
    reason = _reason(graph, arn("user", "me"))
    assert ("permissions_boundary" in reason) is expected


def test_a_boundary_caps_a_self_written_policy() -> None:
    graph = build(
        user("me", allow("iam:PutUserPolicy"), boundary=arn("policy", "boundary")),
        policies=(_boundary(allow("iam:PutUserPolicy")),),
    )
    assert not graph.is_admin(arn("user", "me"))


@pytest.mark.parametrize(
    ("group_policy", "expected"),
    [(allow("*"), True), (allow("s3:*"), False)],
    ids=["admin-group", "plain-group"],
)
def test_joining_an_admin_group(group_policy: dict[str, Any], expected: bool) -> None:
    graph = build(
        user("me", allow("iam:AddUserToGroup", arn("group", "ops"))),
        group("ops", group_policy),
    )
    reason = _reason(graph, arn("user", "me"))
    assert reason.startswith("can grant itself admin: add_user_to_group") is expected


@pytest.mark.parametrize(
    ("not_action", "expected"),
    [
        (["iam:Update*", "iam:Create*", "iam:Attach*"], True),
        (["iam:*"], False),
    ],
    ids=["leaves-put-open", "closes-iam"],
)
def test_not_action_counts_by_what_it_leaves_open(
    not_action: list[str], expected: bool
) -> None:
    statement = {"Effect": "Allow", "NotAction": not_action, "Resource": "*"}
    graph = build(user("me", statement))
    assert graph.is_admin(arn("user", "me")) is expected


def test_not_resource_counts_by_what_it_leaves_open() -> None:
    statement = {"Effect": "Allow", "Action": "*", "NotResource": arn("user", "x")}
    graph = build(user("me", statement))
    assert graph.is_admin(arn("user", "me"))


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}, True),
        ({"DateLessThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}, False),
    ],
    ids=["fresh-session-works", "old-token-required"],
)
def test_token_issue_time_is_judged_for_a_fresh_session(
    condition: dict[str, Any], expected: bool
) -> None:
    graph = build(user("me", allow("iam:PutUserPolicy", Condition=condition)))
    assert graph.is_admin(arn("user", "me")) is expected


def test_conditional_grant_is_not_admin_but_the_edge_stays_conditional() -> None:
    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    graph = build(
        user("me", allow("iam:PutUserPolicy", Condition=mfa)),
        user("dev", allow("iam:CreateAccessKey", BOSS, Condition=mfa)),
        user("boss", allow("*")),
    )
    assert not graph.is_admin(arn("user", "me"))
    edge = graph.edge(DEV, BOSS, Mechanism.CREATE_ACCESS_KEY)
    assert edge is not None
    assert [c.verdict for c in edge.conditions] == [Verdict.DEPENDS]


def test_admins_get_no_escalation_edges() -> None:
    graph = build(user("root", allow("*")), user("boss", allow("*")))
    escalations = {t.mechanism for t in registry()}
    edges = graph.out_edges(arn("user", "root"))
    assert [e for e in edges if e.mechanism in escalations] == []


@pytest.mark.parametrize(
    ("trusts", "services", "expected"),
    [
        ((f"arn:aws:iam::{ACCOUNT}:root",), (), True),
        ((), ("lambda.amazonaws.com",), False),
    ],
    ids=["can-assume-the-role", "cannot-assume-the-role"],
)
def test_rewriting_a_role_it_can_assume(
    trusts: tuple[str, ...], services: tuple[str, ...], expected: bool
) -> None:
    graph = build(
        user("dev", allow(["sts:AssumeRole", "iam:PutRolePolicy"], TARGET)),
        role("target", allow("s3:*"), trusts=trusts, services=services),
    )
    reason = _reason(graph, DEV)
    assert reason.startswith(f"can grant admin to {TARGET}") is expected


def test_an_older_version_that_allows_a_self_grant() -> None:
    older = document(allow("iam:PutUserPolicy", arn("user", "me")))
    current = document(allow("iam:SetDefaultPolicyVersion"))
    policy = managed_policy("mine", older, current, default=1)
    graph = build(user("me", managed=(arn("policy", "mine"),)), policies=(policy,))
    assert "set_default_policy_version to v1" in _reason(graph, arn("user", "me"))


@pytest.mark.parametrize(
    ("actions", "expected"),
    [
        (["iam:CreatePolicyVersion", "iam:DeletePolicyVersion"], True),
        (["iam:CreatePolicyVersion"], False),
    ],
    ids=["can-delete-one", "five-versions-full"],
)
def test_create_policy_version_needs_room(actions: list[str], expected: bool) -> None:
    own = document(allow(actions, arn("policy", "mine")))
    policy = managed_policy("mine", *([document(allow("s3:*"))] * 4), own, default=4)
    graph = build(user("me", managed=(arn("policy", "mine"),)), policies=(policy,))
    assert graph.is_admin(arn("user", "me")) is expected
