"""Graph stage, AWS: which token subjects a web-identity trust statement admits.

The subject claim (``<issuer>:sub``; for Cognito identity pools the pool id in
``cognito-identity.amazonaws.com:aud``) decides who outside can get in. Each
admitted pattern becomes one subject node; a statement that pins no subject
admits ``*``, every token the issuer signs.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.aws.conditions import NEGATED_OPS, ConditionClause
from graph.aws.policy import Statement
from graph.model import Condition, Verdict

COGNITO = "cognito-identity.amazonaws.com"
LITERAL_OPS = frozenset({"StringEquals", "StringEqualsIgnoreCase"})
PUBLIC_ISSUERS = (
    "token.actions.githubusercontent.com",
    "gitlab.com",
    "app.terraform.io",
)


@dataclass(frozen=True, slots=True)
class FederatedSubject:
    """A subject pattern, how far it is pinned, and the claims it satisfies."""

    pattern: str
    scope: str
    satisfied: tuple[Condition, ...]
    claim_keys: frozenset[str]


def _pin_key(issuer: str) -> str:
    return f"{COGNITO}:aud" if issuer == COGNITO else f"{issuer.lower()}:sub"


def classify_subject(issuer: str, pattern: str) -> str:
    """``any`` (pins no owner), ``broad`` (wildcards within one owner), ``pinned``."""
    if pattern.strip("*?") == "":
        return "any"
    if "token.actions.githubusercontent.com" in issuer and pattern.startswith("repo:"):
        owner = pattern[5:].split("/", 1)[0]
        if "*" in owner or "?" in owner:
            return "any"
    if pattern.startswith("system:serviceaccount:"):
        namespace = pattern.split(":")[2] if pattern.count(":") >= 2 else "*"
        if namespace.strip("*?") == "":
            return "any"
    return "broad" if ("*" in pattern or "?" in pattern) else "pinned"


def _admitted(clause: ConditionClause) -> list[str]:
    """Subject patterns one pin clause admits (``*`` for every subject).

    StringEquals compares literally: a value with ``*`` or ``?`` matches no
    token the issuer signs. A Like value of stars only admits every subject.
    """
    if clause.base in LITERAL_OPS:
        return [v for v in clause.values if v and "*" not in v and "?" not in v]
    return ["*" if v.strip("*") == "" else v for v in clause.values if v]


def federated_subjects(issuer: str, statement: Statement) -> list[FederatedSubject]:
    """One entry per admitted subject pattern of a web-identity statement."""
    pin = _pin_key(issuer)
    audience = f"{issuer.lower()}:aud"
    pins = [
        c
        for c in statement.conditions
        if c.key_lower == pin and c.base not in NEGATED_OPS and c.base != "Null"
    ]
    patterns = [v for c in pins for v in _admitted(c)]
    if pins and not patterns:
        return []
    satisfied = [
        Condition(c.operator, c.key, c.values, Verdict.ALWAYS, "matched by the subject")
        for c in pins
    ]
    claim_keys = {pin} if pins else set()
    if issuer != COGNITO:
        # The audience of such tokens is chosen by whoever requests them.
        for c in statement.conditions:
            if c.key_lower == audience and c.base not in NEGATED_OPS:
                note = "the requester chooses the token audience"
                satisfied.append(
                    Condition(c.operator, c.key, c.values, Verdict.ALWAYS, note)
                )
                claim_keys.add(audience)
    if not patterns or "*" in patterns:
        return [FederatedSubject("*", "any", tuple(satisfied), frozenset(claim_keys))]
    return [
        FederatedSubject(
            p, classify_subject(issuer, p), tuple(satisfied), frozenset(claim_keys)
        )
        for p in dict.fromkeys(patterns)
    ]
