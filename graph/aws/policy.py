"""Graph stage, AWS: parse IAM policy documents and evaluate requests offline.

Evaluation follows the IAM policy evaluation logic: an explicit deny wins, an
allow is needed, and conditions are judged by :mod:`graph.aws.conditions`.
A decision carries the conditions it depends on and the statements that
decided it, so a trust edge can show its proof.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from graph.aws.conditions import (
    ConditionClause,
    RequestContext,
    evaluate_clause,
    parse_operator,
    wildcard_match,
)
from graph.errors import MalformedPolicy
from graph.model import Condition, Evidence, Verdict

MAX_STATEMENTS = 5000
MAX_VALUES = 5000
PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement, normalised: every element a tuple of strings."""

    index: int
    sid: str
    effect: str
    actions: tuple[str, ...]
    not_action: bool = False
    resources: tuple[str, ...] = ()
    not_resource: bool = False
    has_resource: bool = False
    principals: tuple[tuple[str, str], ...] = ()
    not_principal: bool = False
    has_principal: bool = False
    conditions: tuple[ConditionClause, ...] = ()

    @property
    def label(self) -> str:
        return f"Sid {self.sid}" if self.sid else f"statement {self.index}"

    def matches_action(self, action: str) -> bool:
        return _names_action(self.actions, action) != self.not_action

    def matches_resource(self, resource: str) -> bool:
        if not self.has_resource:
            return True
        hit = any(wildcard_match(p, resource) for p in self.resources)
        return hit != self.not_resource


@lru_cache(maxsize=65536)
def _names_action(patterns: tuple[str, ...], action: str) -> bool:
    # Keyed by the Action element: the same few elements recur in every
    # account and are asked about the same few actions.
    return any(wildcard_match(p, action, ignore_case=True) for p in patterns)


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    """A parsed policy: its name (for evidence) and statements."""

    name: str
    statements: tuple[Statement, ...]
    version: str = ""

    def evidence(self, statement: Statement, detail: str = "") -> Evidence:
        return Evidence(document=self.name, statement=statement.label, detail=detail)


class Outcome(StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True, slots=True)
class Decision:
    """The result of evaluating one request against a set of policies."""

    outcome: Outcome
    conditions: tuple[Condition, ...] = ()
    evidence: tuple[Evidence, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOW


NOT_ALLOWED = Decision(Outcome.NOT_ALLOWED)


def decode_document(raw: Any, *, name: str) -> dict[str, Any]:
    """Accept a decoded document, a JSON string, or a URL-encoded JSON string."""
    if isinstance(raw, dict):
        return raw
    if not isinstance(raw, str):
        raise MalformedPolicy(f"{name}: policy document is {type(raw).__name__}")
    text = unquote(raw) if raw.lstrip().startswith("%7B") or "%22" in raw else raw
    try:
        decoded = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise MalformedPolicy(f"{name}: policy document is not JSON ({exc})") from None
    if not isinstance(decoded, dict):
        raise MalformedPolicy(f"{name}: policy document is not a JSON object")
    return decoded


def parse_policy(raw: Any, *, name: str) -> PolicyDocument:
    """Parse a policy document; raise :class:`MalformedPolicy` naming it.

    Examples
    --------
    >>> doc = parse_policy({"Statement": {"Effect": "Allow", "Action": "s3:*",
    ...     "Resource": "*"}}, name="demo")
    >>> doc.statements[0].actions
    ('s3:*',)
    """
    key = repr(raw) if isinstance(raw, str | dict) else None
    parsed = _PARSED.get(key) if key is not None else None
    if parsed is None:
        parsed = _parse_body(raw, name)
        if key is not None:
            if len(_PARSED) >= PARSED_KEPT:
                _PARSED.clear()
            _PARSED[key] = parsed
    statements, version = parsed
    return PolicyDocument(name=name, statements=statements, version=version)


# Parsed statements by the repr of the raw document (repr tells str from
# int keys and tuples from lists, unlike JSON): trust and inline policies
# repeat across roles and accounts. Statements are frozen, so sharing is safe.
PARSED_KEPT = 65536
_PARSED: dict[str, tuple[tuple[Statement, ...], str]] = {}


def _parse_body(raw: Any, name: str) -> tuple[tuple[Statement, ...], str]:
    document = decode_document(raw, name=name)
    body = document.get("Statement")
    if isinstance(body, dict):
        body = [body]
    if not isinstance(body, list):
        raise MalformedPolicy(f"{name}: Statement is missing or not a list")
    if len(body) > MAX_STATEMENTS:
        raise MalformedPolicy(
            f"{name}: {len(body)} statements (limit {MAX_STATEMENTS})"
        )
    statements = tuple(_parse_statement(s, i, name) for i, s in enumerate(body))
    return statements, str(document.get("Version", ""))


def _strings(value: Any, *, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, bool):
        return ("true" if value else "false",)
    if isinstance(value, int | float):
        return (str(value),)
    if isinstance(value, list) and len(value) > MAX_VALUES:
        raise MalformedPolicy(f"{where}: {len(value)} values (limit {MAX_VALUES})")
    if isinstance(value, list):
        out: list[str] = []
        for item in value:
            if isinstance(item, list | dict) or item is None:
                raise MalformedPolicy(f"{where}: expected strings, found {item!r:.60}")
            out.extend(_strings(item, where=where))
        return tuple(out)
    raise MalformedPolicy(f"{where}: expected a string or list of strings")


def _parse_statement(raw: Any, index: int, name: str) -> Statement:
    where = f"{name}: statement {index}"
    if not isinstance(raw, dict):
        raise MalformedPolicy(f"{where}: not an object")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise MalformedPolicy(
            f"{where}: Effect must be Allow or Deny, not {effect!r:.40}"
        )
    actions, not_action = _either(raw, "Action", "NotAction", where)
    resources, not_resource = _either(
        raw, "Resource", "NotResource", where, required=False
    )
    principals, not_principal = _principal_element(raw, where)
    sid = raw.get("Sid", "")
    return Statement(
        index=index,
        sid=sid if isinstance(sid, str) else str(sid),
        effect=effect,
        actions=actions,
        not_action=not_action,
        resources=resources,
        not_resource=not_resource,
        has_resource="Resource" in raw or "NotResource" in raw,
        principals=principals,
        not_principal=not_principal,
        has_principal="Principal" in raw or "NotPrincipal" in raw,
        conditions=_parse_conditions(raw.get("Condition"), where),
    )


def _either(
    raw: Mapping[str, Any],
    positive: str,
    negative: str,
    where: str,
    *,
    required: bool = True,
) -> tuple[tuple[str, ...], bool]:
    if positive in raw and negative in raw:
        raise MalformedPolicy(f"{where}: both {positive} and {negative}")
    if positive in raw:
        return _strings(raw[positive], where=f"{where} {positive}"), False
    if negative in raw:
        return _strings(raw[negative], where=f"{where} {negative}"), True
    if required:
        raise MalformedPolicy(f"{where}: no {positive} or {negative}")
    return (), False


def _principal_element(
    raw: Mapping[str, Any], where: str
) -> tuple[tuple[tuple[str, str], ...], bool]:
    element = "NotPrincipal" if "NotPrincipal" in raw else "Principal"
    if element not in raw:
        return (), False
    value = raw[element]
    if value == "*":
        return (("AWS", "*"),), element == "NotPrincipal"
    if not isinstance(value, dict):
        raise MalformedPolicy(f'{where}: {element} must be "*" or an object')
    pairs: list[tuple[str, str]] = []
    for kind, names in value.items():
        for item in _strings(names, where=f"{where} {element}.{kind}"):
            pairs.append((str(kind), item.strip()))
    return tuple(pairs), element == "NotPrincipal"


def _parse_conditions(block: Any, where: str) -> tuple[ConditionClause, ...]:
    if block is None:
        return ()
    if not isinstance(block, dict):
        raise MalformedPolicy(f"{where}: Condition must be an object")
    clauses: list[ConditionClause] = []
    for operator, entries in block.items():
        if not isinstance(entries, dict):
            raise MalformedPolicy(f"{where}: Condition {operator!r:.40} must map keys")
        base, qualifier, if_exists = parse_operator(str(operator))
        for key, values in entries.items():
            clauses.append(
                ConditionClause(
                    operator=str(operator),
                    base=base,
                    key=str(key),
                    values=_strings(values, where=f"{where} Condition {operator}"),
                    qualifier=qualifier,
                    if_exists=if_exists,
                )
            )
    return tuple(clauses)


def judge_conditions(
    statement: Statement, context: RequestContext
) -> tuple[Verdict, tuple[Condition, ...]]:
    """All clauses must hold: one never makes never, one depends makes depends."""
    judged = tuple(evaluate_clause(c, context) for c in statement.conditions)
    if any(c.verdict is Verdict.NEVER for c in judged):
        return Verdict.NEVER, judged
    if any(c.verdict is Verdict.DEPENDS for c in judged):
        return Verdict.DEPENDS, judged
    return Verdict.ALWAYS, judged


def conditions_unless(
    deny: Iterable[Condition], evidence: Evidence
) -> tuple[Condition, ...]:
    """A conditional deny turns into conditions the allow now depends on."""
    return tuple(
        Condition(
            operator=c.operator,
            key=c.key,
            values=c.values,
            verdict=Verdict.DEPENDS,
            note=f"denied when this holds ({evidence})",
        )
        for c in deny
        if c.verdict is Verdict.DEPENDS
    )


def evaluate_request(
    documents: Sequence[PolicyDocument],
    action: str,
    resource: str,
    context: RequestContext,
) -> Decision:
    """Evaluate one action on one resource against identity-style policies.

    Examples
    --------
    >>> doc = parse_policy({"Statement": [{"Effect": "Allow", "Action": "sts:*",
    ...     "Resource": "*"}]}, name="p")
    >>> evaluate_request([doc], "sts:AssumeRole", "arn:aws:iam::1:role/r",
    ...     RequestContext()).outcome
    <Outcome.ALLOW: 'allow'>
    """
    allows: list[tuple[tuple[Condition, ...], Evidence]] = []
    unless: list[Condition] = []
    deny_evidence: list[Evidence] = []
    for document in documents:
        for statement in document.statements:
            if not (
                statement.matches_action(action)
                and statement.matches_resource(resource)
            ):
                continue
            verdict, judged = judge_conditions(statement, context)
            if verdict is Verdict.NEVER:
                continue
            evidence = document.evidence(statement)
            if statement.effect == "Deny":
                if verdict is Verdict.ALWAYS:
                    return Decision(Outcome.DENY, evidence=(evidence,))
                unless.extend(conditions_unless(judged, evidence))
                deny_evidence.append(evidence)
            else:
                allows.append((judged, evidence))
    if not allows:
        return NOT_ALLOWED
    judged, evidence = min(allows, key=lambda a: _depends_count(a[0]))
    return Decision(
        Outcome.ALLOW,
        conditions=(*judged, *unless),
        evidence=(evidence, *deny_evidence),
    )


def _depends_count(conditions: Iterable[Condition]) -> int:
    return sum(c.verdict is Verdict.DEPENDS for c in conditions)


def combine(*decisions: Decision) -> Decision:
    """All of several policy types must allow (identity, boundary, SCP ...)."""
    for decision in decisions:
        if not decision.allowed:
            return decision
    conditions = tuple(c for d in decisions for c in d.conditions)
    evidence = tuple(e for d in decisions for e in d.evidence)
    return Decision(Outcome.ALLOW, conditions=conditions, evidence=evidence)
