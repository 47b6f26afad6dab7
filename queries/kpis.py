"""Query stage: the identity scorecard computed from a graph and its findings.

Human and non-human identities are counted apart (see :mod:`queries.tiers`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from graph.model import Finding, NodeKind, Principal
from graph.trustgraph import TrustGraph
from queries.findings import RuleOptions
from queries.paths import principals_reaching_admin
from queries.register import ExternalTrust, external_trust_register
from queries.tiers import (
    IdentityTier,
    TierAssignment,
    active_keys,
    count_by_tier,
    identities,
    identity_tiers,
    idleness,
    mfa_device_count,
)

HUMAN = "human"
PUBLIC_PARTY = "anyone (public)"
_ISSUER_KINDS = frozenset(
    {
        NodeKind.OIDC_PROVIDER,
        NodeKind.SAML_PROVIDER,
        NodeKind.FEDERATED_SUBJECT,
        NodeKind.WORKLOAD_POOL,
    }
)
_PROVIDER_KINDS = frozenset({str(NodeKind.SERVICE), str(NodeKind.SERVICE_AGENT)})
NON_HUMAN = "non_human"


def compute_kpis(
    graph: TrustGraph,
    findings: list[Finding],
    options: RuleOptions | None = None,
) -> dict[str, Any]:
    """Scorecard numbers; every value is derived from the graph or findings.

    Ratios are ``None`` when their denominator is zero (nothing to measure).
    """
    options = options or RuleOptions()
    people = identities(graph)
    tiers = identity_tiers(graph)
    # Routes to admin plus the escalation rule's subjects (which add latent
    # admins, one step from granting themselves admin); never AWS's own
    # service-linked roles.
    reaching = set(principals_reaching_admin(graph)) | {
        f.subject for f in findings if f.rule == "path.escalation-to-admin"
    }
    reaching = {
        n
        for n in reaching & set(tiers)
        if not graph.principal(n).attributes.get("service_linked")
    }
    privileged = reaching | {n for n in graph.admins() if n in tiers}
    return {
        "identities": len(people),
        "identities_by_tier": count_by_tier(tiers),
        "admins": len(graph.admins()),
        "principals_with_route_to_admin": len(reaching),
        "route_to_admin": _split(tiers, reaching),
        "static_credential_ratio": _static_credentials(people, tiers),
        "mfa_coverage_privileged_humans": _mfa_coverage(people, tiers, privileged),
        "unused_identity_backlog": _unused_backlog(people, tiers, options),
        "risky_trust_policies": len(
            {f.subject for f in findings if f.rule.startswith("trust.")}
        ),
        "external_trusts_by_account": external_trusts_by_account(
            graph, external_trust_register(graph)
        ),
        "findings_by_severity": dict(Counter(str(f.severity) for f in findings)),
        "findings_by_rule": dict(sorted(Counter(f.rule for f in findings).items())),
        "coverage_gaps": len(graph.coverage),
    }


def _side(tier: TierAssignment) -> str:
    return HUMAN if tier.tier.is_human else NON_HUMAN


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _split(
    tiers: Mapping[str, TierAssignment], node_ids: Iterable[str]
) -> dict[str, int]:
    counts = {HUMAN: 0, NON_HUMAN: 0}
    for node_id in node_ids:
        counts[_side(tiers[node_id])] += 1
    return counts


def _static_credentials(
    people: list[Principal],
    tiers: Mapping[str, TierAssignment],
) -> dict[str, dict[str, Any]]:
    """Share of identities that still hold an active long-lived key."""
    totals = {HUMAN: 0, NON_HUMAN: 0}
    keyed = {HUMAN: 0, NON_HUMAN: 0}
    for principal in people:
        side = _side(tiers[principal.node_id])
        totals[side] += 1
        keyed[side] += bool(active_keys(principal))
    return {
        side: {
            "identities": totals[side],
            "with_active_keys": keyed[side],
            "ratio": _ratio(keyed[side], totals[side]),
        }
        for side in (HUMAN, NON_HUMAN)
    }


def _mfa_coverage(
    people: list[Principal],
    tiers: Mapping[str, TierAssignment],
    privileged: set[str],
) -> dict[str, Any]:
    """MFA of humans that are admin or can reach admin.

    Only identities with an ``mfa_devices`` attribute can be judged; the
    rest (federated roles, whose MFA lives at the identity provider) are
    counted as unknown.
    """
    with_mfa, without_mfa, unknown = [], [], []
    for principal in people:
        node_id = principal.node_id
        if node_id not in privileged or not tiers[node_id].tier.is_human:
            continue
        if "mfa_devices" not in principal.attributes:
            unknown.append(node_id)
        elif mfa_device_count(principal):
            with_mfa.append(node_id)
        else:
            without_mfa.append(node_id)
    judged = len(with_mfa) + len(without_mfa)
    return {
        "privileged_humans": judged + len(unknown),
        "with_mfa": len(with_mfa),
        "without_mfa": len(without_mfa),
        "unknown": len(unknown),
        "ratio": _ratio(len(with_mfa), judged),
        "without_mfa_ids": without_mfa,
    }


def backlog_bucket(days: int | None) -> str:
    """Age bucket of an unused identity (days since last use or creation)."""
    if days is None:
        return "age_unknown"
    if days < 180:
        return "under_180_days"
    if days < 365:
        return "180_to_365_days"
    return "over_365_days"


BACKLOG_BUCKETS = ("under_180_days", "180_to_365_days", "over_365_days", "age_unknown")


def _unused_backlog(
    people: list[Principal],
    tiers: Mapping[str, TierAssignment],
    options: RuleOptions,
) -> dict[str, dict[str, int]]:
    """Identities unused past ``stale_days``, by age; break-glass kept apart."""
    backlog = {
        side: {"total": 0, "never_used": 0, **dict.fromkeys(BACKLOG_BUCKETS, 0)}
        for side in (HUMAN, NON_HUMAN)
    }
    break_glass = 0
    for principal in people:
        idle = idleness(principal, options.now)
        if idle is None or (idle.days is not None and idle.days <= options.stale_days):
            continue
        if tiers[principal.node_id].tier is IdentityTier.BREAK_GLASS:
            break_glass += 1
            continue
        counts = backlog[_side(tiers[principal.node_id])]
        counts["total"] += 1
        counts["never_used"] += idle.never_used
        counts[backlog_bucket(idle.days)] += 1
    return {**backlog, "break_glass_excluded": {"total": break_glass}}


def party_account(graph: TrustGraph, party_id: str) -> str:
    """The outside account (or identity provider) a party belongs to."""
    principal = graph.principal(party_id)
    if principal.kind is NodeKind.PUBLIC:
        return PUBLIC_PARTY
    if principal.kind in _ISSUER_KINDS:
        issuer = str(principal.attributes.get("issuer") or principal.name or party_id)
        return issuer.removeprefix("https://").removeprefix("http://").rstrip("/")
    if principal.container_id:
        return principal.container_id.rsplit("/", 1)[-1]
    if party_id.startswith("arn:"):
        parts = party_id.split(":", 5)
        if len(parts) == 6 and parts[4]:
            return parts[4]
    return party_id


def external_trusts_by_account(
    graph: TrustGraph,
    register: list[ExternalTrust],
) -> dict[str, dict[str, int]]:
    """Per third-party account or issuer: how many trusts, onto how many targets.

    Cloud services (``lambda.amazonaws.com`` ...) are not third parties and
    are left out.
    """
    trusts: Counter[str] = Counter()
    targets: dict[str, set[str]] = {}
    for entry in register:
        if entry.party_kind in _PROVIDER_KINDS:
            continue
        account = party_account(graph, entry.party)
        trusts[account] += 1
        targets.setdefault(account, set()).add(entry.target)
    return {
        account: {"trusts": trusts[account], "targets": len(targets[account])}
        for account in sorted(trusts)
    }
