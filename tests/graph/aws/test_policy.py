"""Policy parsing and request evaluation: effect, action, resource, statement shapes."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.aws.conditions import RequestContext
from graph.aws.policy import (
    Outcome,
    combine,
    evaluate_request,
    parse_policy,
)
from graph.errors import MalformedPolicy
from graph.model import Verdict

ROLE = "arn:aws:iam::111111111111:role/target"
ASSUME = "sts:AssumeRole"


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _outcome(
    document: dict[str, Any], action: str = ASSUME, resource: str = ROLE
) -> Outcome:
    parsed = parse_policy(document, name="test")
    return evaluate_request([parsed], action, resource, RequestContext()).outcome


# --- statement shapes -----------------------------------------------------


def test_statement_as_object_or_list() -> None:
    single = parse_policy({"Statement": _allow(ASSUME)}, name="one")
    listed = parse_policy(_doc(_allow(ASSUME)), name="many")
    assert single.statements == listed.statements
    assert single.statements[0].actions == (ASSUME,)


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps(_doc(_allow(ASSUME))),
        quote(json.dumps(_doc(_allow(ASSUME)))),
        quote(json.dumps(_doc(_allow(ASSUME))), safe=""),
    ],
    ids=["json-string", "url-encoded", "url-encoded-all"],
)
def test_string_documents_are_decoded(raw: str) -> None:
    document = parse_policy(raw, name="encoded")
    assert [s.actions for s in document.statements] == [(ASSUME,)]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (None, "NoneType"),
        ("not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ({"Version": "2012-10-17"}, "Statement"),
        (_doc("text"), "not an object"),
        (_doc({"Effect": "Permit", "Action": "*"}), "Effect"),
        (_doc({"Effect": "Allow", "Action": "*", "NotAction": "s3:*"}), "both"),
        (_doc({"Effect": "Allow", "Resource": "*"}), "no Action"),
        (_doc({"Effect": "Allow", "Action": [["nested"]]}), "expected strings"),
        (_doc({"Effect": "Allow", "Action": "*", "Condition": []}), "Condition"),
        (_doc({"Effect": "Allow", "Action": "*", "Principal": 7}), "Principal"),
    ],
)
def test_malformed_documents_name_the_problem(raw: Any, message: str) -> None:
    with pytest.raises(MalformedPolicy, match=message) as caught:
        parse_policy(raw, name="doc-name")
    assert "doc-name" in str(caught.value)


def test_malformed_statement_is_named_by_index() -> None:
    raw = _doc(_allow(ASSUME), {"Effect": "Allow"})
    with pytest.raises(MalformedPolicy, match="statement 1"):
        parse_policy(raw, name="p")


# --- effect ---------------------------------------------------------------


def test_allow_allows() -> None:
    assert _outcome(_doc(_allow(ASSUME))) is Outcome.ALLOW


def test_nothing_matching_is_not_allowed() -> None:
    assert _outcome(_doc(_allow("s3:GetObject"))) is Outcome.NOT_ALLOWED
    assert _outcome(_doc()) is Outcome.NOT_ALLOWED


def test_explicit_deny_wins_over_allow() -> None:
    deny = {"Effect": "Deny", "Action": "sts:*", "Resource": "*"}
    assert _outcome(_doc(_allow("*"), deny)) is Outcome.DENY
    assert _outcome(_doc(deny, _allow("*"))) is Outcome.DENY


def test_deny_across_documents_wins() -> None:
    allow = parse_policy(_doc(_allow("*")), name="allow")
    deny = parse_policy(
        _doc({"Effect": "Deny", "Action": "*", "Resource": ROLE}), name="deny"
    )
    decision = evaluate_request([allow, deny], ASSUME, ROLE, RequestContext())
    assert decision.outcome is Outcome.DENY
    assert [e.document for e in decision.evidence] == ["deny"]


def test_deny_on_other_resource_does_not_block() -> None:
    deny = {"Effect": "Deny", "Action": "*", "Resource": "arn:aws:iam::*:role/other"}
    assert _outcome(_doc(_allow("*"), deny)) is Outcome.ALLOW


def test_conditional_deny_turns_into_a_condition() -> None:
    deny = {
        "Effect": "Deny",
        "Action": ASSUME,
        "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
    }
    document = parse_policy(_doc(_allow(ASSUME), deny), name="p")
    decision = evaluate_request([document], ASSUME, ROLE, RequestContext())
    assert decision.outcome is Outcome.ALLOW
    assert [(c.key, c.verdict) for c in decision.conditions] == [
        ("aws:SourceIp", Verdict.DEPENDS)
    ]
    assert "denied when" in decision.conditions[0].note


def test_allow_that_can_never_hold_is_not_allowed() -> None:
    never = _allow(ASSUME, Condition={"StringEquals": {"aws:PrincipalAccount": "2"}})
    document = parse_policy(_doc(never), name="p")
    context = RequestContext(known={"aws:principalaccount": ("1",)})
    assert (
        evaluate_request([document], ASSUME, ROLE, context).outcome
        is Outcome.NOT_ALLOWED
    )


def test_the_least_conditional_allow_is_kept() -> None:
    mfa = _allow(ASSUME, Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    document = parse_policy(_doc(mfa, _allow(ASSUME)), name="p")
    decision = evaluate_request([document], ASSUME, ROLE, RequestContext())
    assert decision.allowed and decision.conditions == ()
    assert decision.evidence[0].statement == "statement 1"


# --- action and resource ----------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "allowed"),
    [
        ("sts:AssumeRole", True),
        ("STS:assumerole", True),
        ("sts:*", True),
        ("*", True),
        ("sts:Assume*", True),
        ("sts:AssumeRol?", True),
        ("sts:AssumeRole?", False),
        ("sts:AssumeRoleWithSAML", False),
        ("s?s:AssumeRole", True),
        ("iam:*", False),
        ("sts:AssumeRole*", True),
    ],
)
def test_action_patterns(pattern: str, allowed: bool) -> None:
    assert (_outcome(_doc(_allow(pattern))) is Outcome.ALLOW) is allowed


@pytest.mark.parametrize(
    ("not_action", "allowed"),
    [(["iam:*", "organizations:*"], True), ("sts:*", False), ("STS:ASSUMEROLE", False)],
)
def test_not_action(not_action: Any, allowed: bool) -> None:
    statement = {"Effect": "Allow", "NotAction": not_action, "Resource": "*"}
    assert (_outcome(_doc(statement)) is Outcome.ALLOW) is allowed


def test_action_list_values_are_ored() -> None:
    assert _outcome(_doc(_allow(["s3:GetObject", "sts:AssumeRole"]))) is Outcome.ALLOW


@pytest.mark.parametrize(
    ("resource", "allowed"),
    [
        (ROLE, True),
        ("arn:aws:iam::111111111111:role/*", True),
        ("arn:aws:iam::*:role/tar?et", True),
        ("arn:aws:iam::111111111111:role/TARGET", False),
        ("arn:aws:iam::222222222222:role/*", False),
        (["arn:aws:iam::222222222222:role/*", ROLE], True),
    ],
)
def test_resource_patterns(resource: Any, allowed: bool) -> None:
    assert (_outcome(_doc(_allow(ASSUME, resource))) is Outcome.ALLOW) is allowed


@pytest.mark.parametrize(
    ("not_resource", "allowed"),
    [
        ("arn:aws:iam::111111111111:role/admin-*", True),
        ("arn:aws:iam::*:role/*", False),
    ],
)
def test_not_resource(not_resource: str, allowed: bool) -> None:
    statement = {"Effect": "Allow", "Action": ASSUME, "NotResource": not_resource}
    assert (_outcome(_doc(statement)) is Outcome.ALLOW) is allowed


def test_deny_with_not_resource_spares_the_listed_resource() -> None:
    deny = {"Effect": "Deny", "Action": "*", "NotResource": ROLE}
    assert _outcome(_doc(_allow("*"), deny)) is Outcome.ALLOW
    assert _outcome(_doc(_allow("*"), deny), resource=f"{ROLE}2") is Outcome.DENY


# --- combining policy types -------------------------------------------------


def test_combine_needs_every_policy_type() -> None:
    allow = parse_policy(_doc(_allow("*")), name="identity")
    boundary = parse_policy(_doc(_allow("s3:*")), name="boundary")
    context = RequestContext()
    identity_decision = evaluate_request([allow], ASSUME, ROLE, context)
    bounded = evaluate_request([boundary], ASSUME, ROLE, context)
    assert combine(identity_decision, bounded).outcome is Outcome.NOT_ALLOWED
    both = combine(identity_decision, identity_decision)
    assert both.allowed and len(both.evidence) == 2


# --- robustness -------------------------------------------------------------

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(["*", "Allow", "Deny", "sts:AssumeRole", "sts:*", ROLE]),
)
KEYS = st.sampled_from(
    [
        "Effect",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Principal",
        "NotPrincipal",
        "Condition",
        "Sid",
        "StringLike",
        "ForAllValues:StringEquals",
        "BoolIfExists",
        "aws:PrincipalOrgID",
        "AWS",
        "Service",
    ]
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(KEYS | st.text(max_size=6), children, max_size=5)
    ),
    max_leaves=25,
)
STATEMENT = st.dictionaries(KEYS, JSON, max_size=7)
DOCUMENT = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {"Statement": st.one_of(STATEMENT, st.lists(STATEMENT, max_size=4), JSON)}
    ),
    st.text(max_size=40),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENT, st.sampled_from([ASSUME, "s3:GetObject", "*"]))
def test_random_documents_never_crash(raw: Any, action: str) -> None:
    try:
        document = parse_policy(raw, name="random")
    except MalformedPolicy:
        return
    context = RequestContext(known={"aws:principalorgid": ("o-1",)})
    decision = evaluate_request([document], action, ROLE, context)
    assert decision.outcome in set(Outcome)


# --- principal element --------------------------------------------------------


@pytest.mark.parametrize(
    ("element", "principal", "pairs"),
    [
        ("Principal", "*", (("AWS", "*"),)),
        ("Principal", {"AWS": "*"}, (("AWS", "*"),)),
        (
            "Principal",
            {"AWS": ["111111111111", " arn:aws:iam::2:root"]},
            (("AWS", "111111111111"), ("AWS", "arn:aws:iam::2:root")),
        ),
        (
            "Principal",
            {"Service": ["a.amazonaws.com", "b.amazonaws.com"]},
            (("Service", "a.amazonaws.com"), ("Service", "b.amazonaws.com")),
        ),
        (
            "Principal",
            {"Federated": "cognito-identity.amazonaws.com"},
            (("Federated", "cognito-identity.amazonaws.com"),),
        ),
        (
            "NotPrincipal",
            {"AWS": "arn:aws:iam::1:user/x"},
            (("AWS", "arn:aws:iam::1:user/x"),),
        ),
    ],
)
def test_principal_forms(element: str, principal: Any, pairs: tuple[Any, ...]) -> None:
    statement = {"Effect": "Allow", element: principal, "Action": ASSUME}
    parsed = parse_policy(_doc(statement), name="trust").statements[0]
    assert parsed.principals == pairs
    assert parsed.not_principal is (element == "NotPrincipal")
    assert parsed.has_principal


def test_statement_without_principal() -> None:
    parsed = parse_policy(_doc(_allow(ASSUME)), name="identity").statements[0]
    assert parsed.principals == () and not parsed.has_principal
