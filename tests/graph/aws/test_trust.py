"""Trust policies into trust edges: principal forms, caller side, denies, conditions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crosstrust import load_graph
from graph.build import build_graph
from graph.load import Inventory, LoadedDocument
from graph.model import Mechanism, Verdict
from graph.trustgraph import TrustGraph
from queries.findings import evaluate_rules
from tests.cases.conftest import write_aws_exports

A = "111111111111"
B = "222222222222"
TARGET = f"arn:aws:iam::{A}:role/target"
ASSUME = Mechanism.ASSUME_ROLE
GH = "token.actions.githubusercontent.com"


def _trust(
    principal: Any, action: Any = "sts:AssumeRole", **extra: Any
) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": principal, "Action": action, **extra}
    return {"Version": "2012-10-17", "Statement": [statement]}


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow_assume(resource: str = "*") -> dict[str, Any]:
    return _policy(
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": resource}
    )


def _role(
    name: str,
    trust: Any,
    *,
    account: str = A,
    policy: dict[str, Any] | None = None,
    boundary: str = "",
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "RoleName": name,
        "Path": "/",
        "Arn": f"arn:aws:iam::{account}:role/{name}",
        "AssumeRolePolicyDocument": trust,
        "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": policy}]
        if policy
        else [],
        "AttachedManagedPolicies": [],
    }
    if boundary:
        record["PermissionsBoundary"] = {"PermissionsBoundaryArn": boundary}
    return record


def _user(
    name: str, *, account: str = A, policy: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "UserName": name,
        "Path": "/",
        "Arn": f"arn:aws:iam::{account}:user/{name}",
        "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": policy}]
        if policy
        else [],
        "AttachedManagedPolicies": [],
        "GroupList": [],
    }


def _build(
    tmp_path: Path,
    *accounts: dict[str, Any],
    organization: list[str] | None = None,
    oidc: list[str] | None = None,
) -> TrustGraph:
    aws: dict[str, Any] = {"accounts": list(accounts)}
    if organization:
        aws["organization"] = organization
    if oidc:
        aws["oidc_providers"] = [{"arn": arn} for arn in oidc]
    return load_graph(write_aws_exports(aws, tmp_path / "exports"))


def _account(
    account_id: str, *entities: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    roles = [e for e in entities if "RoleName" in e]
    users = [e for e in entities if "UserName" in e]
    return {
        "account_id": account_id,
        "RoleDetailList": roles,
        "UserDetailList": users,
        **extra,
    }


def _sources(graph: TrustGraph, target: str = TARGET) -> set[tuple[str, str]]:
    return {(e.source, str(e.mechanism)) for e in graph.in_edges(target)}


def _target_only(tmp_path: Path, trust: Any) -> TrustGraph:
    return _build(tmp_path, _account(A, _role("target", trust)))


# --- principal forms --------------------------------------------------------


@pytest.mark.parametrize(
    "principal",
    [
        {"AWS": B},
        {"AWS": f"arn:aws:iam::{B}:root"},
        {"AWS": [f"arn:aws:iam::{B}:root"]},
        {"AWS": f" arn:aws:iam::{B}:root "},
    ],
    ids=["bare-account-id", "root-arn", "root-arn-list", "padded"],
)
def test_account_principals_of_unloaded_accounts(
    tmp_path: Path, principal: Any
) -> None:
    graph = _target_only(tmp_path, _trust(principal))
    assert _sources(graph) == {(f"arn:aws:iam::{B}:root", "assume_role")}
    edge = graph.edge(f"arn:aws:iam::{B}:root", TARGET, ASSUME)
    assert edge is not None and edge.cross_boundary


@pytest.mark.parametrize(
    "principal",
    ["*", {"AWS": "*"}, {"AWS": ["*"]}],
    ids=["string", "aws-object", "aws-list"],
)
def test_everyone(tmp_path: Path, principal: Any) -> None:
    graph = _target_only(tmp_path, _trust(principal))
    assert _sources(graph) == {("*", "assume_role")}


@pytest.mark.parametrize(
    "arn",
    [f"arn:aws:iam::{B}:user/partner", f"arn:aws:iam::{B}:role/partner"],
)
def test_unloaded_user_and_role_become_placeholders(tmp_path: Path, arn: str) -> None:
    graph = _target_only(tmp_path, _trust({"AWS": arn}))
    assert _sources(graph) == {(arn, "assume_role")}
    placeholder = graph.principal(arn)
    assert placeholder.attributes["placeholder"] is True
    assert placeholder.container_id == B


def test_assumed_role_session_principal(tmp_path: Path) -> None:
    session = f"arn:aws:sts::{A}:assumed-role/caller/alice@example.com"
    caller = _role("caller", _trust({"Service": "ec2.amazonaws.com"}))
    graph = _build(
        tmp_path, _account(A, caller, _role("target", _trust({"AWS": session})))
    )
    edge = graph.edge(f"arn:aws:iam::{A}:role/caller", TARGET, ASSUME)
    assert edge is not None
    assert [(c.key, c.values, c.verdict) for c in edge.conditions] == [
        ("sts:RoleSessionName", ("alice@example.com",), Verdict.DEPENDS)
    ]


def test_session_of_an_unloaded_role(tmp_path: Path) -> None:
    session = f"arn:aws:sts::{B}:assumed-role/ops/bob"
    graph = _target_only(tmp_path, _trust({"AWS": session}))
    assert _sources(graph) == {(f"arn:aws:iam::{B}:role/ops", "assume_role")}


@pytest.mark.parametrize(
    "services",
    ["lambda.amazonaws.com", ["lambda.amazonaws.com", "events.amazonaws.com"]],
    ids=["string", "list"],
)
def test_service_principals(tmp_path: Path, services: Any) -> None:
    graph = _target_only(tmp_path, _trust({"Service": services}))
    names = [services] if isinstance(services, str) else services
    assert _sources(graph) == {(f"service:{s}", "assume_role") for s in names}
    assert not any(e.cross_boundary for e in graph.in_edges(TARGET))


@pytest.mark.parametrize("as_list", [False, True], ids=["string", "list"])
def test_federated_oidc_principal(tmp_path: Path, as_list: bool) -> None:
    provider = f"arn:aws:iam::{A}:oidc-provider/{GH}"
    condition = {"StringEquals": {f"{GH}:sub": "repo:acme/app:ref:refs/heads/main"}}
    trust = _trust(
        {"Federated": [provider] if as_list else provider},
        "sts:AssumeRoleWithWebIdentity",
        Condition=condition,
    )
    graph = _build(tmp_path, _account(A, _role("target", trust)), oidc=[provider])
    source = f"oidc:{GH}:repo:acme/app:ref:refs/heads/main"
    assert _sources(graph) == {(source, "assume_role_web_identity")}
    assert graph.principal(source).attributes["subject_scope"] == "pinned"


def test_federated_subject_values_are_ored(tmp_path: Path) -> None:
    provider = f"arn:aws:iam::{A}:oidc-provider/{GH}"
    subjects = ["repo:acme/app:environment:prod", "repo:acme/*"]
    trust = _trust(
        {"Federated": provider},
        "sts:AssumeRoleWithWebIdentity",
        Condition={"StringLike": {f"{GH}:sub": subjects}},
    )
    graph = _target_only(tmp_path, trust)
    scopes = {
        e.source: graph.principal(e.source).attributes["subject_scope"]
        for e in graph.in_edges(TARGET)
    }
    assert scopes == {
        f"oidc:{GH}:repo:acme/app:environment:prod": "pinned",
        f"oidc:{GH}:repo:acme/*": "broad",
    }


def test_federated_saml_principal(tmp_path: Path) -> None:
    provider = f"arn:aws:iam::{A}:saml-provider/corp"
    trust = _trust(
        {"Federated": provider}, ["sts:AssumeRoleWithSAML", "sts:TagSession"]
    )
    graph = _target_only(tmp_path, trust)
    assert _sources(graph) == {(provider, "assume_role_saml")}


def test_cognito_principal(tmp_path: Path) -> None:
    pool = "eu-west-1:11111111-2222-3333-4444-555555555555"
    trust = _trust(
        {"Federated": "cognito-identity.amazonaws.com"},
        "sts:AssumeRoleWithWebIdentity",
        Condition={"StringEquals": {"cognito-identity.amazonaws.com:aud": pool}},
    )
    graph = _target_only(tmp_path, trust)
    source = f"oidc:cognito-identity.amazonaws.com:{pool}"
    assert _sources(graph) == {(source, "assume_role_web_identity")}


def test_unique_ids_of_deleted_principals_grant_nothing(tmp_path: Path) -> None:
    trust = _trust({"AWS": ["AROAEXAMPLEDELETED001", "AIDAEXAMPLEDELETED002"]})
    graph = _target_only(tmp_path, trust)
    assert graph.in_edges(TARGET) == []
    notes = [(n.rule, n.subject) for n in graph.notes]
    assert notes == [("trust.dangling-principal", TARGET)] * 2


@pytest.mark.parametrize(
    "principal",
    [f"arn:aws:iam::{A}:group/admins", "arn:aws:iam::*:role/x", "not-an-arn"],
)
def test_invalid_aws_principals_are_noted(tmp_path: Path, principal: str) -> None:
    graph = _target_only(tmp_path, _trust({"AWS": principal}))
    assert graph.in_edges(TARGET) == []
    assert [n.rule for n in graph.notes] == ["policy.invalid-element"]


def test_not_principal_is_reported_not_read(tmp_path: Path) -> None:
    trust = _policy(
        {
            "Effect": "Allow",
            "NotPrincipal": {"AWS": f"arn:aws:iam::{A}:user/blocked"},
            "Action": "sts:AssumeRole",
        }
    )
    graph = _target_only(tmp_path, trust)
    assert graph.in_edges(TARGET) == []
    assert [n.message for n in graph.notes] == ["NotPrincipal in a trust policy"]


def test_action_must_issue_credentials(tmp_path: Path) -> None:
    graph = _target_only(tmp_path, _trust({"AWS": B}, "sts:TagSession"))
    assert graph.in_edges(TARGET) == []
    wildcard = _target_only(tmp_path / "w", _trust({"AWS": B}, "sts:*"))
    assert _sources(wildcard) == {(f"arn:aws:iam::{B}:root", "assume_role")}


# --- caller side ------------------------------------------------------------


def test_cross_account_needs_identity_allow(tmp_path: Path) -> None:
    named = _trust(
        {"AWS": [f"arn:aws:iam::{B}:role/allowed", f"arn:aws:iam::{B}:role/bare"]}
    )
    graph = _build(
        tmp_path,
        _account(A, _role("target", named)),
        _account(
            B,
            _role(
                "allowed",
                _trust({"Service": "ec2.amazonaws.com"}),
                account=B,
                policy=_allow_assume(TARGET),
            ),
            _role("bare", _trust({"Service": "ec2.amazonaws.com"}), account=B),
        ),
    )
    assert _sources(graph) == {(f"arn:aws:iam::{B}:role/allowed", "assume_role")}


def test_cross_account_root_trust_judges_each_loaded_caller(tmp_path: Path) -> None:
    graph = _build(
        tmp_path,
        _account(A, _role("target", _trust({"AWS": B}))),
        _account(
            B,
            _user("ops", account=B, policy=_allow_assume()),
            _user(
                "dev", account=B, policy=_allow_assume(f"arn:aws:iam::{A}:role/other")
            ),
            _user("idle", account=B),
        ),
    )
    # ops may assume any role, so it reaches the role through B's caller set.
    hub = f"arn:aws:iam::{B}:root"
    assert _sources(graph) == {(hub, "assume_role")}
    assert {e.source for e in graph.in_edges(hub)} == {f"arn:aws:iam::{B}:user/ops"}
    assert graph.principal(hub).attributes["caller_set"] is True


def test_callers_with_specific_grants_get_their_own_edge(tmp_path: Path) -> None:
    graph = _build(
        tmp_path,
        _account(A, _role("target", _trust({"AWS": B}))),
        _account(B, _user("ops", account=B, policy=_allow_assume(TARGET))),
    )
    assert _sources(graph) == {(f"arn:aws:iam::{B}:user/ops", "assume_role")}
    assert f"arn:aws:iam::{B}:root" not in graph


def test_same_account_principal_arn_needs_no_identity_allow(tmp_path: Path) -> None:
    trust = _trust({"AWS": f"arn:aws:iam::{A}:user/named"})
    graph = _build(tmp_path, _account(A, _role("target", trust), _user("named")))
    assert _sources(graph) == {(f"arn:aws:iam::{A}:user/named", "assume_role")}
    assert graph.in_edges(TARGET)[0].cross_boundary is False


def test_same_account_root_trust_needs_identity_allow(tmp_path: Path) -> None:
    trust = _trust({"AWS": f"arn:aws:iam::{A}:root"})
    graph = _build(
        tmp_path,
        _account(
            A,
            _role("target", trust),
            _user("allowed", policy=_allow_assume(TARGET)),
            _user("bare"),
        ),
    )
    assert _sources(graph) == {(f"arn:aws:iam::{A}:user/allowed", "assume_role")}


def test_boundary_must_allow(tmp_path: Path) -> None:
    boundary = f"arn:aws:iam::{A}:policy/boundary"
    caller = _role(
        "caller",
        _trust({"Service": "ec2.amazonaws.com"}),
        policy=_allow_assume(),
        boundary=boundary,
    )
    policies = [
        {
            "PolicyName": "boundary",
            "Arn": boundary,
            "PolicyVersionList": [
                {
                    "IsDefaultVersion": True,
                    "Document": _policy(
                        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
                    ),
                }
            ],
        }
    ]
    trust = _trust({"AWS": f"arn:aws:iam::{A}:role/caller"})
    graph = _build(
        tmp_path, _account(A, _role("target", trust), caller, Policies=policies)
    )
    assert graph.in_edges(TARGET) == []
    assert [(b.edge.source, b.guardrail.document) for b in graph.blocked] == [
        (f"arn:aws:iam::{A}:role/caller", boundary)
    ]


def test_identity_deny_blocks_even_a_named_caller(tmp_path: Path) -> None:
    deny = _policy({"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"})
    trust = _trust({"AWS": f"arn:aws:iam::{A}:user/denied"})
    graph = _build(
        tmp_path, _account(A, _role("target", trust), _user("denied", policy=deny))
    )
    assert graph.in_edges(TARGET) == []
    assert len(graph.blocked) == 1


def test_trust_deny_wins(tmp_path: Path) -> None:
    trust = _policy(
        {"Effect": "Allow", "Principal": {"AWS": B}, "Action": "sts:AssumeRole"},
        {"Effect": "Deny", "Principal": {"AWS": B}, "Action": "sts:*"},
    )
    graph = _target_only(tmp_path, trust)
    assert graph.in_edges(TARGET) == []
    assert [b.edge.source for b in graph.blocked] == [f"arn:aws:iam::{B}:root"]


def test_conditional_trust_deny_becomes_a_condition(tmp_path: Path) -> None:
    trust = _policy(
        {"Effect": "Allow", "Principal": {"AWS": B}, "Action": "sts:AssumeRole"},
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sts:AssumeRole",
            "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        },
    )
    edge = _target_only(tmp_path, trust).in_edges(TARGET)[0]
    assert edge.conditional
    assert [c.key for c in edge.conditions] == ["aws:SourceIp"]


# --- conditions on the trust --------------------------------------------------


def test_undecidable_condition_keeps_the_edge_conditional(tmp_path: Path) -> None:
    condition = {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "198.51.100.0/24"]}}
    graph = _target_only(tmp_path, _trust({"AWS": B}, Condition=condition))
    (edge,) = graph.in_edges(TARGET)
    assert edge.conditional
    assert edge.conditions[0].values == ("203.0.113.0/24", "198.51.100.0/24")


def test_external_id_values_are_ored_and_one_star_opens_it(tmp_path: Path) -> None:
    pinned = {"StringEquals": {"sts:ExternalId": ["one", "two"]}}
    graph = _target_only(tmp_path, _trust({"AWS": B}, Condition=pinned))
    assert graph.in_edges(TARGET)[0].conditional
    opened = {"StringLike": {"sts:ExternalId": ["one", "*"]}}
    graph = _target_only(tmp_path / "open", _trust({"AWS": B}, Condition=opened))
    edge = graph.in_edges(TARGET)[0]
    assert not edge.conditional
    assert edge.conditions[0].verdict is Verdict.ALWAYS


def test_condition_that_can_never_hold_draws_no_edge(tmp_path: Path) -> None:
    condition = {"StringEquals": {"aws:PrincipalAccount": "333333333333"}}
    graph = _target_only(tmp_path, _trust({"AWS": B}, Condition=condition))
    assert graph.in_edges(TARGET) == []


def test_principal_org_id_narrows_everyone(tmp_path: Path) -> None:
    trust = _trust("*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc"}})
    graph = _target_only(tmp_path, trust)
    (edge,) = graph.in_edges(TARGET)
    assert edge.source == "*" and edge.conditional


def test_outside_account_is_external_only_outside_the_organization(
    tmp_path: Path,
) -> None:
    trust = _trust({"AWS": [B, "333333333333"]})
    graph = _build(tmp_path, _account(A, _role("target", trust)), organization=[A, B])
    assert graph.principal(f"arn:aws:iam::{B}:root").external is False
    assert graph.principal("arn:aws:iam::333333333333:root").external is True


# --- malformed input ----------------------------------------------------------


def test_malformed_trust_is_a_coverage_gap_and_the_rest_loads(tmp_path: Path) -> None:
    broken = _policy(
        {"Effect": "Allow", "Principal": {"AWS": B}, "Action": "sts:AssumeRole"},
        {"Effect": "Perhaps", "Principal": "*", "Action": "sts:AssumeRole"},
    )
    graph = _build(
        tmp_path,
        _account(A, _role("broken", broken), _role("target", _trust({"AWS": B}))),
    )
    (gap,) = graph.coverage
    assert gap.reason == "malformed-policy"
    assert gap.scope.endswith(f"authz-{A}.json")
    assert f"arn:aws:iam::{A}:role/broken" in gap.detail
    assert "statement 1" in gap.detail
    assert _sources(graph) == {(f"arn:aws:iam::{B}:root", "assume_role")}
    assert f"arn:aws:iam::{A}:role/broken" in graph


def test_malformed_identity_policy_is_a_coverage_gap(tmp_path: Path) -> None:
    bad = {"Statement": [{"Effect": "Allow", "Action": {"not": "a list"}}]}
    graph = _build(tmp_path, _account(A, _user("odd", policy=bad)))
    (gap,) = graph.coverage
    assert f"arn:aws:iam::{A}:user/odd inline p" in gap.detail
    assert "statement 0" in gap.detail


# --- web-identity subjects ------------------------------------------------------


def _github_trust(condition: dict[str, Any]) -> dict[str, Any]:
    provider = f"arn:aws:iam::{A}:oidc-provider/{GH}"
    return _trust(
        {"Federated": provider}, "sts:AssumeRoleWithWebIdentity", Condition=condition
    )


@pytest.mark.parametrize("subject", ["repo:acme/app:*", "*"])
def test_string_equals_wildcard_subject_admits_no_token(
    tmp_path: Path, subject: str
) -> None:
    graph = _target_only(
        tmp_path, _github_trust({"StringEquals": {f"{GH}:sub": subject}})
    )
    assert graph.in_edges(TARGET) == []


def test_one_star_among_subjects_admits_every_subject(tmp_path: Path) -> None:
    subjects = ["repo:acme/app:ref:refs/heads/main", "*"]
    graph = _target_only(
        tmp_path, _github_trust({"StringLike": {f"{GH}:sub": subjects}})
    )
    assert _sources(graph) == {(f"oidc:{GH}:*", "assume_role_web_identity")}
    assert graph.principal(f"oidc:{GH}:*").attributes["subject_scope"] == "any"


def test_audience_only_admits_every_subject(tmp_path: Path) -> None:
    condition = {"StringEquals": {f"{GH}:aud": "sts.amazonaws.com"}}
    graph = _target_only(tmp_path, _github_trust(condition))
    (edge,) = graph.in_edges(TARGET)
    assert edge.source == f"oidc:{GH}:*" and not edge.conditional


# --- robustness -----------------------------------------------------------------

PRINCIPAL_VALUES = st.one_of(
    st.sampled_from(
        [
            "*",
            A,
            f"arn:aws:iam::{A}:root",
            f"arn:aws:iam::{B}:root",
            f"arn:aws:sts::{A}:assumed-role/caller/s",
            f"arn:aws:sts::{A}:assumed-role/",
            f"arn:aws:iam::{A}:role/caller",
            "AROAABCDEFGHIJKLMNOP",
            "arn:aws:iam:::root",
            f"arn:aws:iam::{A}:oidc-provider/{GH}",
            f"arn:aws:iam::{A}:saml-provider/x",
            "cognito-identity.amazonaws.com",
            "lambda.amazonaws.com",
            "",
        ]
    ),
    st.text(max_size=20),
)
PRINCIPALS = st.one_of(
    st.just("*"),
    st.dictionaries(
        st.sampled_from(["AWS", "Service", "Federated", "CanonicalUser", "Other"]),
        st.one_of(PRINCIPAL_VALUES, st.lists(PRINCIPAL_VALUES, max_size=3)),
        max_size=3,
    ),
)
CONDITIONS = st.dictionaries(
    st.sampled_from(
        [
            "StringEquals",
            "StringLike",
            "ForAllValues:StringLike",
            "Null",
            "BoolIfExists",
            "ArnLike",
            "IpAddress",
            "DateLessThan",
            "Unknown",
        ]
    ),
    st.dictionaries(
        st.sampled_from(
            [
                "aws:PrincipalOrgID",
                "sts:ExternalId",
                f"{GH}:sub",
                f"{GH}:aud",
                "aws:SourceAccount",
                "aws:PrincipalArn",
                "aws:SourceIp",
                "aws:CurrentTime",
            ]
        ),
        st.one_of(
            st.text(max_size=8),
            st.sampled_from(["*", "repo:*", "repo:o/r:*", "true", "10.0.0.0/8"]),
            st.lists(st.text(max_size=6), max_size=3),
        ),
        max_size=2,
    ),
    max_size=3,
)
STATEMENTS = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Deny"]),
        "Action": st.sampled_from(
            [
                "sts:AssumeRole",
                "sts:*",
                "sts:AssumeRoleWithWebIdentity",
                "sts:TagSession",
            ]
        ),
    },
    optional={
        "Principal": PRINCIPALS,
        "NotPrincipal": PRINCIPALS,
        "Condition": CONDITIONS,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(STATEMENTS, min_size=1, max_size=3))
def test_random_trust_policies_never_crash_the_build(
    statements: list[dict[str, Any]],
) -> None:
    caller = {
        "RoleName": "caller",
        "Arn": f"arn:aws:iam::{A}:role/caller",
        "AssumeRolePolicyDocument": {"Statement": []},
        "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": _allow_assume()}],
    }
    target = {"RoleName": "target", "Arn": TARGET}
    target["AssumeRolePolicyDocument"] = {"Statement": statements}
    data = {"RoleDetailList": [target, caller]}
    graph = build_graph(
        Inventory(documents=[LoadedDocument("aws.authz", "f.json", data)])
    )
    evaluate_rules(graph)
    assert TARGET in graph
