"""Offline judging of condition clauses: every operator family, always/never/depends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from graph.aws.conditions import (
    ConditionClause,
    RequestContext,
    evaluate_clause,
    parse_operator,
    wildcard_match,
)
from graph.model import Verdict

ALWAYS, NEVER, DEPENDS = Verdict.ALWAYS, Verdict.NEVER, Verdict.DEPENDS
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def _clause(operator: str, key: str, *values: str) -> ConditionClause:
    base, qualifier, if_exists = parse_operator(operator)
    return ConditionClause(
        operator=operator,
        base=base,
        key=key,
        values=values,
        qualifier=qualifier,
        if_exists=if_exists,
    )


def _judge(
    operator: str,
    key: str,
    values: tuple[str, ...],
    known: dict[str, tuple[str, ...]] | None = None,
    absent: frozenset[str] = frozenset(),
) -> Verdict:
    context = RequestContext(
        known={k.lower(): v for k, v in (known or {}).items()},
        absent=absent,
        now=NOW,
    )
    return evaluate_clause(_clause(operator, key, *values), context).verdict


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("StringEquals", ("StringEquals", "", False)),
        ("StringLikeIfExists", ("StringLike", "", True)),
        ("ForAnyValue:StringLike", ("StringLike", "ForAnyValue", False)),
        ("ForAllValues:ArnEqualsIfExists", ("ArnEquals", "ForAllValues", True)),
        ("Null", ("Null", "", False)),
    ],
)
def test_parse_operator(operator: str, expected: tuple[str, str, bool]) -> None:
    assert parse_operator(operator) == expected


# Each row: operator, policy values, request value, verdict when known.
KNOWN_VALUE_CASES = [
    # strings
    ("StringEquals", ("o-abc",), "o-abc", ALWAYS),
    ("StringEquals", ("o-abc",), "O-ABC", NEVER),
    ("StringEquals", ("o-1", "o-abc"), "o-abc", ALWAYS),
    ("StringNotEquals", ("o-abc",), "o-abc", NEVER),
    ("StringNotEquals", ("o-1", "o-2"), "o-abc", ALWAYS),
    ("StringEqualsIgnoreCase", ("O-ABC",), "o-abc", ALWAYS),
    ("StringNotEqualsIgnoreCase", ("O-ABC",), "o-abc", NEVER),
    ("StringLike", ("o-a*",), "o-abc", ALWAYS),
    ("StringLike", ("o-?bc",), "o-abc", ALWAYS),
    ("StringLike", ("o-x*",), "o-abc", NEVER),
    ("StringNotLike", ("o-x*",), "o-abc", ALWAYS),
    ("StringNotLike", ("o-*",), "o-abc", NEVER),
    # ARNs
    ("ArnEquals", ("arn:aws:iam::1:role/a",), "arn:aws:iam::1:role/a", ALWAYS),
    ("ArnLike", ("arn:aws:iam::*:role/a*",), "arn:aws:iam::1:role/ab", ALWAYS),
    ("ArnLike", ("arn:aws:iam::2:*",), "arn:aws:iam::1:role/a", NEVER),
    ("ArnNotLike", ("arn:aws:iam::2:*",), "arn:aws:iam::1:role/a", ALWAYS),
    ("ArnNotEquals", ("arn:aws:iam::1:role/a",), "arn:aws:iam::1:role/a", NEVER),
    # numbers
    ("NumericEquals", ("5",), "5", ALWAYS),
    ("NumericNotEquals", ("5",), "5", NEVER),
    ("NumericLessThan", ("3600",), "60", ALWAYS),
    ("NumericLessThan", ("60",), "60", NEVER),
    ("NumericLessThanEquals", ("60",), "60", ALWAYS),
    ("NumericGreaterThan", ("10",), "60", ALWAYS),
    ("NumericGreaterThanEquals", ("61",), "60", NEVER),
    ("NumericEquals", ("five",), "5", NEVER),
    # dates
    ("DateGreaterThan", ("2026-01-01T00:00:00Z",), "2026-12-03T12:00:00Z", ALWAYS),
    ("DateLessThan", ("2026-01-01T00:00:00Z",), "2026-12-03T12:00:00Z", NEVER),
    ("DateEquals", ("1764763200",), "2025-12-03T12:00:00Z", ALWAYS),
    ("DateNotEquals", ("2020-01-01",), "2026-12-03", ALWAYS),
    ("DateLessThanEquals", ("2026-12-03T12:00:00Z",), "2026-12-03T12:00:00Z", ALWAYS),
    ("DateGreaterThanEquals", ("not a date",), "2026-12-03", NEVER),
    # Bool, binary, IP addresses
    ("Bool", ("true",), "true", ALWAYS),
    ("Bool", ("true",), "false", NEVER),
    ("Bool", ("TRUE",), "true", ALWAYS),
    ("BinaryEquals", ("QmluYXJ5",), "QmluYXJ5", ALWAYS),
    ("BinaryEquals", ("QmluYXJ5",), "b3RoZXI=", NEVER),
    ("IpAddress", ("203.0.113.0/24",), "203.0.113.7", ALWAYS),
    ("IpAddress", ("203.0.113.0/24",), "198.51.100.1", NEVER),
    ("IpAddress", ("2001:db8::/32",), "2001:db8::1", ALWAYS),
    ("NotIpAddress", ("203.0.113.0/24",), "198.51.100.1", ALWAYS),
    ("NotIpAddress", ("203.0.113.0/24",), "203.0.113.9", NEVER),
    ("IpAddress", ("not-a-network",), "203.0.113.7", NEVER),
]


@pytest.mark.parametrize(
    ("operator", "values", "request_value", "verdict"), KNOWN_VALUE_CASES
)
def test_known_values(
    operator: str, values: tuple[str, ...], request_value: str, verdict: Verdict
) -> None:
    assert (
        _judge(operator, "test:key", values, {"test:key": (request_value,)}) is verdict
    )


def test_keys_are_case_insensitive() -> None:
    known = {"aws:principalorgid": ("o-abc",)}
    assert _judge("StringEquals", "AWS:PrincipalOrgId", ("o-abc",), known) is ALWAYS


@pytest.mark.parametrize(
    ("operator", "values", "verdict"),
    [
        ("StringEquals", ("x",), DEPENDS),
        ("StringNotEquals", ("x",), DEPENDS),
        ("NumericLessThan", ("3600",), DEPENDS),
        ("IpAddress", ("10.0.0.0/8",), DEPENDS),
        ("Null", ("false",), DEPENDS),
        ("StringLike", ("*",), ALWAYS),
        ("StringLike", ("o-1", "*"), ALWAYS),
        ("ArnLike", ("***",), ALWAYS),
        ("StringEquals", ("*",), DEPENDS),
        ("StringLike", ("o-*",), DEPENDS),
        ("StringLike", ("${aws:username}",), DEPENDS),
    ],
)
def test_unknown_key(operator: str, values: tuple[str, ...], verdict: Verdict) -> None:
    assert _judge(operator, "aws:PrincipalOrgID", values) is verdict


def test_one_star_among_values_opens_the_key() -> None:
    note = evaluate_clause(
        _clause("StringLike", "sts:ExternalId", "secret", "*"), RequestContext()
    ).note
    assert "pins nothing" in note


@pytest.mark.parametrize(
    ("operator", "values", "verdict"),
    [
        # A missing key fails positive operators and passes negated ones.
        ("StringEquals", ("x",), NEVER),
        ("StringNotEquals", ("x",), ALWAYS),
        ("ArnLike", ("arn:*",), NEVER),
        ("NotIpAddress", ("10.0.0.0/8",), ALWAYS),
        ("Bool", ("true",), NEVER),
        # ...IfExists passes when the key is absent.
        ("StringEqualsIfExists", ("x",), ALWAYS),
        ("BoolIfExists", ("true",), ALWAYS),
        # Null tests absence itself.
        ("Null", ("true",), ALWAYS),
        ("Null", ("false",), NEVER),
        # ForAllValues is vacuously true; ForAnyValue needs a value.
        ("ForAllValues:StringEquals", ("x",), ALWAYS),
        ("ForAnyValue:StringEquals", ("x",), NEVER),
    ],
)
def test_absent_key(operator: str, values: tuple[str, ...], verdict: Verdict) -> None:
    absent = frozenset({"aws:sourcearn"})
    assert _judge(operator, "aws:SourceArn", values, absent=absent) is verdict


def test_null_with_present_key() -> None:
    known = {"aws:sourcearn": ("arn:aws:s3:::b",)}
    assert _judge("Null", "aws:SourceArn", ("true",), known) is NEVER
    assert _judge("Null", "aws:SourceArn", ("false",), known) is ALWAYS


@pytest.mark.parametrize(
    ("key", "verdict"),
    [
        # The caller can leave these out of its request: IfExists passes.
        ("aws:MultiFactorAuthPresent", ALWAYS),
        ("sts:ExternalId", ALWAYS),
        ("aws:SourceIp", ALWAYS),
        # These are always set for an AWS principal: IfExists still restricts.
        ("aws:PrincipalOrgID", DEPENDS),
        ("aws:PrincipalArn", DEPENDS),
    ],
)
def test_if_exists_on_unknown_keys(key: str, verdict: Verdict) -> None:
    assert _judge("StringEqualsIfExists", key, ("x",)) is verdict


@pytest.mark.parametrize(
    ("operator", "request_values", "verdict"),
    [
        ("ForAnyValue:StringEquals", ("a", "z"), ALWAYS),
        ("ForAnyValue:StringEquals", ("y", "z"), NEVER),
        ("ForAllValues:StringEquals", ("a", "b"), ALWAYS),
        ("ForAllValues:StringEquals", ("a", "z"), NEVER),
        ("ForAllValues:StringLike", ("a1", "b2"), ALWAYS),
        ("ForAnyValue:StringNotEquals", ("a", "z"), ALWAYS),
        ("ForAllValues:StringNotEquals", ("y", "z"), ALWAYS),
        ("ForAllValues:StringNotEquals", ("a", "z"), NEVER),
    ],
)
def test_set_operators(
    operator: str, request_values: tuple[str, ...], verdict: Verdict
) -> None:
    values = ("a*", "b*") if "Like" in operator else ("a", "b")
    known = {"aws:tagkeys": request_values}
    assert _judge(operator, "aws:TagKeys", values, known) is verdict


def test_current_time_is_known() -> None:
    future = ("2030-01-01T00:00:00Z",)
    assert _judge("DateLessThan", "aws:CurrentTime", future) is ALWAYS
    assert _judge("DateGreaterThan", "aws:CurrentTime", future) is NEVER
    assert _judge("NumericGreaterThan", "aws:EpochTime", ("1000",)) is ALWAYS


@pytest.mark.parametrize(
    "operator",
    ["StringMatches", "ForEvery:StringEquals", "IfExists", "ArnSomething"],
)
def test_unsupported_operators_depend_and_say_so(operator: str) -> None:
    known = {"aws:principalorgid": ("o-abc",)}
    clause = _clause(operator, "aws:PrincipalOrgID", "o-abc")
    judged = evaluate_clause(clause, RequestContext(known=known))
    assert judged.verdict is DEPENDS
    assert "unsupported operator" in judged.note


def test_principal_arn_of_another_account_can_never_match() -> None:
    context = RequestContext(principal_account="222222222222")
    other = _clause("ArnLike", "aws:PrincipalArn", "arn:aws:iam::333333333333:role/*")
    own = _clause("ArnLike", "aws:PrincipalArn", "arn:aws:iam::222222222222:role/*")
    assert evaluate_clause(other, context).verdict is NEVER
    assert evaluate_clause(own, context).verdict is DEPENDS


@pytest.mark.parametrize(
    ("pattern", "value", "ignore_case", "hit"),
    [
        ("*", "", False, True),
        ("a*c", "abbbc", False, True),
        ("a?c", "abc", False, True),
        ("a?c", "abbc", False, False),
        ("A*", "abc", False, False),
        ("A*", "abc", True, True),
        ("a.c", "abc", False, False),
        ("a[b]c", "a[b]c", False, True),
        ("line*", "line\nbreak", False, True),
    ],
)
def test_wildcard_match(pattern: str, value: str, ignore_case: bool, hit: bool) -> None:
    assert wildcard_match(pattern, value, ignore_case=ignore_case) is hit
