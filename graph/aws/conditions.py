"""Graph stage, AWS: judge IAM condition clauses offline (always, never, depends).

Follows the condition-operator reference of the IAM user guide: string, ARN,
numeric, date, Bool, binary, IP address and Null families, ``...IfExists``,
and the ``ForAnyValue:`` / ``ForAllValues:`` set qualifiers. A key whose
value is not known offline makes the clause *depend* on the request, unless
the clause cannot restrict anything (``StringLike "*"``) or the caller can
leave the key out (``...IfExists`` on a key absent from some requests).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from graph.model import Condition, Verdict

# Keys a caller can omit from its request, so ``...IfExists`` passes.
OMITTABLE_KEYS = frozenset(
    {
        "aws:multifactorauthpresent",
        "aws:multifactorauthage",
        "sts:externalid",
        "sts:sourceidentity",
        "sts:rolesessionname",
        "aws:sourceip",
        "aws:sourcevpc",
        "aws:sourcevpce",
    }
)

# Keys the caller sets freely: a pattern that admits any value pins nothing.
CALLER_CHOSEN_KEYS = frozenset(
    {"sts:externalid", "sts:rolesessionname", "sts:sourceidentity"}
)

MULTI_VALUED_KEYS = frozenset(
    {
        "aws:tagkeys",
        "aws:principalorgpaths",
        "aws:resourceorgpaths",
        "aws:calledvia",
        "aws:principalservicenameslist",
        "sts:transitivetagkeys",
    }
)

STRING_OPS = {
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
}
ARN_OPS = {"ArnEquals", "ArnNotEquals", "ArnLike", "ArnNotLike"}
NUMERIC_OPS = {
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
}
DATE_OPS = {
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
}
OTHER_OPS = {"Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "Null"}
KNOWN_OPS = STRING_OPS | ARN_OPS | NUMERIC_OPS | DATE_OPS | OTHER_OPS
NEGATED_OPS = {
    "StringNotEquals",
    "StringNotEqualsIgnoreCase",
    "StringNotLike",
    "ArnNotEquals",
    "ArnNotLike",
    "NumericNotEquals",
    "DateNotEquals",
    "NotIpAddress",
}


@dataclass(frozen=True, slots=True)
class ConditionClause:
    """One ``operator: {key: values}`` entry of a Condition block, parsed."""

    operator: str
    base: str
    key: str
    values: tuple[str, ...]
    qualifier: str = ""
    if_exists: bool = False

    @property
    def key_lower(self) -> str:
        return self.key.lower()

    @property
    def known_operator(self) -> bool:
        return self.base in KNOWN_OPS


@dataclass(frozen=True, slots=True)
class RequestContext:
    """What is known of a request offline: present keys and absent keys."""

    known: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    absent: frozenset[str] = frozenset()
    absent_prefixes: tuple[str, ...] = ()
    principal_account: str = ""
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def is_absent(self, key: str) -> bool:
        lowered = key.lower()
        if lowered in self.absent:
            return True
        return any(lowered.startswith(p) for p in self.absent_prefixes)

    def lookup(self, key: str) -> tuple[str, ...] | None:
        lowered = key.lower()
        if lowered in ("aws:currenttime", "aws:epochtime"):
            stamp = self.now
            return (
                (str(int(stamp.timestamp())),)
                if "epoch" in lowered
                else (stamp.isoformat(),)
            )
        return self.known.get(lowered)


def parse_operator(operator: str) -> tuple[str, str, bool]:
    """Split ``ForAnyValue:StringLikeIfExists`` into (base, qualifier, if_exists)."""
    qualifier = ""
    base = operator
    if ":" in operator:
        qualifier, _, base = operator.partition(":")
    if_exists = base.endswith("IfExists") and base != "IfExists"
    if if_exists:
        base = base[: -len("IfExists")]
    return base, qualifier, if_exists


def evaluate_clause(clause: ConditionClause, context: RequestContext) -> Condition:
    """Judge one clause against what is known of the request."""
    verdict, note = _judge(clause, context)
    return Condition(
        operator=clause.operator,
        key=clause.key,
        values=clause.values,
        verdict=verdict,
        note=note,
    )


def _judge(clause: ConditionClause, context: RequestContext) -> tuple[Verdict, str]:
    if not clause.known_operator or clause.qualifier not in (
        "",
        "ForAnyValue",
        "ForAllValues",
    ):
        return Verdict.DEPENDS, f"unsupported operator {clause.operator}"
    present = context.lookup(clause.key)
    if present is not None:
        return _judge_known(clause, present), ""
    if context.is_absent(clause.key):
        return _judge_absent(clause), "key absent from this request"
    if clause.key_lower == "aws:principalarn" and context.principal_account:
        if not _arn_could_be_in(clause, context.principal_account):
            return Verdict.NEVER, "names principals of another account"
    return _judge_unknown(clause)


def _arn_could_be_in(clause: ConditionClause, account_id: str) -> bool:
    """Whether any value of a positive PrincipalArn clause fits the account."""
    if clause.base in NEGATED_OPS or clause.qualifier:
        return True
    for value in clause.values:
        parts = value.split(":")
        if len(parts) < 5 or wildcard_match(parts[4], account_id):
            return True
    return False


def _judge_unknown(clause: ConditionClause) -> tuple[Verdict, str]:
    key = clause.key_lower
    if clause.base == "Null":
        return Verdict.DEPENDS, ""
    if clause.if_exists and key in OMITTABLE_KEYS:
        return Verdict.ALWAYS, "the caller can leave this key out (...IfExists)"
    if clause.base in NEGATED_OPS:
        return Verdict.DEPENDS, ""
    if _admits_anything(clause):
        return Verdict.ALWAYS, "the pattern admits any value, so it pins nothing"
    if any("${" in v for v in clause.values):
        return Verdict.DEPENDS, "policy variable resolved at request time"
    return Verdict.DEPENDS, ""


def _admits_anything(clause: ConditionClause) -> bool:
    if clause.base not in ("StringLike", "ArnLike"):
        return False
    return any(v.strip("*") == "" and v != "" for v in clause.values)


def _judge_absent(clause: ConditionClause) -> Verdict:
    # IAM: a missing key fails positive operators and passes negated ones;
    # IfExists passes; ForAllValues is vacuously true; Null tests absence.
    if clause.base == "Null":
        wants_absent = any(v.lower() == "true" for v in clause.values)
        return Verdict.ALWAYS if wants_absent else Verdict.NEVER
    if clause.if_exists or clause.qualifier == "ForAllValues":
        return Verdict.ALWAYS
    if clause.qualifier == "ForAnyValue":
        return Verdict.NEVER
    return Verdict.ALWAYS if clause.base in NEGATED_OPS else Verdict.NEVER


def _judge_known(clause: ConditionClause, present: tuple[str, ...]) -> Verdict:
    if clause.base == "Null":
        wants_absent = any(v.lower() == "true" for v in clause.values)
        return Verdict.NEVER if wants_absent else Verdict.ALWAYS
    if clause.qualifier == "ForAllValues":
        ok = all(_match_one(clause, value) for value in present)
    elif clause.qualifier == "ForAnyValue" or len(present) > 1:
        ok = any(_match_one(clause, value) for value in present)
    else:
        ok = _match_one(clause, present[0]) if present else False
    return Verdict.ALWAYS if ok else Verdict.NEVER


def _match_one(clause: ConditionClause, value: str) -> bool:
    """Apply the base operator to one request value; values are OR-ed."""
    base = clause.base
    negated = base in NEGATED_OPS
    positive = _POSITIVE.get(base, base)
    hit = any(_compare(positive, value, want) for want in clause.values)
    return not hit if negated else hit


_POSITIVE = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
}


def _compare(base: str, value: str, want: str) -> bool:
    if base == "StringEquals" or base == "BinaryEquals":
        return value == want
    if base == "StringEqualsIgnoreCase":
        return value.lower() == want.lower()
    if base in ("StringLike", "ArnLike", "ArnEquals"):
        return wildcard_match(want, value)
    if base == "Bool":
        return value.lower() == want.lower()
    if base.startswith("Numeric"):
        return _numeric(base, value, want)
    if base.startswith("Date"):
        return _date(base, value, want)
    if base == "IpAddress":
        return _ip(value, want)
    return False


def _numeric(base: str, value: str, want: str) -> bool:
    try:
        left, right = float(value), float(want)
    except ValueError:
        return False
    return _ORDER[base.removeprefix("Numeric")](left, right)


def _date(base: str, value: str, want: str) -> bool:
    left, right = _parse_date(value), _parse_date(want)
    if left is None or right is None:
        return False
    return _ORDER[base.removeprefix("Date")](left.timestamp(), right.timestamp())


_ORDER: dict[str, Callable[[float, float], bool]] = {
    "Equals": lambda a, b: a == b,
    "LessThan": lambda a, b: a < b,
    "LessThanEquals": lambda a, b: a <= b,
    "GreaterThan": lambda a, b: a > b,
    "GreaterThanEquals": lambda a, b: a >= b,
}


def _parse_date(text: str) -> datetime | None:
    if re.fullmatch(r"\d+", text):
        return datetime.fromtimestamp(int(text), UTC)
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _ip(value: str, want: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(want, strict=False)
    except ValueError:
        return False


@lru_cache(maxsize=65536)
def _pattern(text: str, ignore_case: bool) -> re.Pattern[str]:
    parts = (".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in text)
    return re.compile(
        "".join(parts), re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL
    )


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM glob: ``*`` any run of characters, ``?`` one character."""
    if pattern == "*":
        return True
    if "*" not in pattern and "?" not in pattern:
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return _pattern(pattern, ignore_case).fullmatch(value) is not None
