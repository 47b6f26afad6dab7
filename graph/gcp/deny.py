"""Graph stage, GCP: IAM deny policies as guardrails over would-be edges."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from graph.gcp.estate import DenyRule, Estate
from graph.model import Condition, Evidence, Verdict

_PUBLIC_ALL = "principalSet://goog/public:all"


@dataclass(frozen=True, slots=True)
class Denial:
    """What deny rules do to one member's permissions on one target."""

    denied: frozenset[str]
    guardrails: tuple[Evidence, ...]
    conditions: tuple[Condition, ...]


def evaluate_deny(
    estate: Estate,
    member: str,
    permissions: frozenset[str],
    chain: list[str],
) -> Denial:
    """Which of ``permissions`` deny rules attached along ``chain`` remove.

    A rule with a denial condition removes nothing offline; it makes the
    edge conditional instead.
    """
    denied: set[str] = set()
    guardrails: list[Evidence] = []
    conditions: list[Condition] = []
    for rule in estate.deny_rules:
        if estate.scope_id(f"//{rule.attachment}") not in chain:
            continue
        hit = _denied_permissions(rule, permissions)
        if not hit or not _names_member(rule, member):
            continue
        evidence = Evidence(
            rule.document, f"{rule.policy} rules[{rule.index}]", ", ".join(sorted(hit))
        )
        if rule.condition:
            conditions.append(_deny_condition(rule))
        else:
            denied |= hit
            guardrails.append(evidence)
    return Denial(frozenset(denied), tuple(guardrails), tuple(conditions))


def _deny_condition(rule: DenyRule) -> Condition:
    return Condition(
        operator="deny-unless",
        key=rule.policy,
        values=(rule.condition,),
        verdict=Verdict.DEPENDS,
        note=f"a deny rule applies when {rule.condition}",
    )


def deny_permission(text: str) -> str:
    """``iam.googleapis.com/serviceAccounts.getAccessToken`` -> IAM permission."""
    host, slash, rest = text.partition("/")
    if not slash:
        return text
    return f"{host.split('.')[0]}.{rest}"


def _denied_permissions(rule: DenyRule, permissions: frozenset[str]) -> set[str]:
    patterns = [deny_permission(p) for p in rule.denied_permissions]
    excepted = [deny_permission(p) for p in rule.exception_permissions]
    return {
        perm
        for perm in permissions
        if any(fnmatchcase(perm, p) for p in patterns)
        and not any(fnmatchcase(perm, p) for p in excepted)
    }


def _names_member(rule: DenyRule, member: str) -> bool:
    if any(_matches(p, member) for p in rule.exception_principals):
        return False
    return any(_matches(p, member) for p in rule.denied_principals)


def _matches(principal: str, member: str) -> bool:
    # TODO: cloudIdentityCustomerId and group expansion in deny principals
    #  are not matched — such deny rules remove no edge.
    if principal == _PUBLIC_ALL or principal == member:
        return True
    kind, _, value = member.partition(":")
    forms = {
        "user": f"principal://goog/subject/{value}",
        "group": f"principalSet://goog/group/{value}",
        "serviceAccount": f"principal://iam.googleapis.com/projects/-/serviceAccounts/{value}",
    }
    return forms.get(kind) == principal
