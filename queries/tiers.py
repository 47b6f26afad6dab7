"""Query stage: identity tier and credential/usage facts of each principal.

The tier says who stands behind an identity: a human operator, automation
(CI/CD), a runtime workload, or a break-glass account. It is read from the
identity's tags first, then from who can assume it (its trust), then from
its kind. The usage helpers read the attribute names every builder fills
(``create_date``, ``last_used``, ``password_last_used``, ``access_keys``,
``mfa_devices``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any
from weakref import WeakKeyDictionary

from graph.model import Mechanism, NodeKind, Principal
from graph.trustgraph import TrustGraph

logger = logging.getLogger(__name__)

IDENTITY_KINDS = (
    NodeKind.USER,
    NodeKind.ROLE,
    NodeKind.SERVICE_ACCOUNT,
    NodeKind.MANAGED_IDENTITY,
    NodeKind.SERVICE_PRINCIPAL,
    NodeKind.APP_REGISTRATION,
)

# Token issuers of CI/CD systems; a trust on one of them means automation.
CI_ISSUERS = (
    "token.actions.githubusercontent.com",
    "gitlab.com",
    "gitlab",
    "oidc.circleci.com",
    "api.bitbucket.org",
    "app.terraform.io",
    "agent.buildkite.com",
    "vstoken.dev.azure.com",
    "vstoken.actions.githubusercontent.com",
    "oidc.codefresh.io",
    "jenkins",
)

# Only grants meant for using an identity say who stands behind it;
# impersonation and escalation techniques (add a secret, write a role
# assignment, ...) say who could take it over, which for an admin is
# nearly everything.
TRUST_MECHANISMS = frozenset(
    {
        Mechanism.ASSUME_ROLE,
        Mechanism.ASSUME_ROLE_WEB_IDENTITY,
        Mechanism.ASSUME_ROLE_SAML,
        Mechanism.FEDERATE,
    }
)
_HUMAN_SOURCES = frozenset({NodeKind.SAML_PROVIDER})
_FEDERATED_SOURCES = frozenset(
    {
        NodeKind.OIDC_PROVIDER,
        NodeKind.FEDERATED_SUBJECT,
        NodeKind.WORKLOAD_POOL,
    }
)
_WORKLOAD_KINDS = frozenset(
    {
        NodeKind.SERVICE_ACCOUNT,
        NodeKind.MANAGED_IDENTITY,
        NodeKind.SERVICE_PRINCIPAL,
        NodeKind.APP_REGISTRATION,
    }
)
_ACTIVE_KEY_STATES = frozenset({"active", "enabled", "valid", ""})


class IdentityTier(StrEnum):
    HUMAN = "human"
    AUTOMATION = "automation"
    WORKLOAD = "workload"
    BREAK_GLASS = "break_glass"
    UNCLASSIFIED = "unclassified"

    @property
    def is_human(self) -> bool:
        """Humans stand behind it (operators and break-glass accounts)."""
        return self in (IdentityTier.HUMAN, IdentityTier.BREAK_GLASS)


_TIER_TAG_VALUES = {
    "human": IdentityTier.HUMAN,
    "operator": IdentityTier.HUMAN,
    "user": IdentityTier.HUMAN,
    "automation": IdentityTier.AUTOMATION,
    "ci": IdentityTier.AUTOMATION,
    "cicd": IdentityTier.AUTOMATION,
    "ci-cd": IdentityTier.AUTOMATION,
    "pipeline": IdentityTier.AUTOMATION,
    "workload": IdentityTier.WORKLOAD,
    "runtime": IdentityTier.WORKLOAD,
    "service": IdentityTier.WORKLOAD,
    "break-glass": IdentityTier.BREAK_GLASS,
    "break_glass": IdentityTier.BREAK_GLASS,
    "breakglass": IdentityTier.BREAK_GLASS,
    "emergency": IdentityTier.BREAK_GLASS,
}
_BREAK_GLASS_TAGS = ("break-glass", "break_glass", "breakglass", "emergency-access")
_BREAK_GLASS_NAMES = ("break-glass", "breakglass", "break_glass", "emergency-access")
_FALSE_VALUES = frozenset({"false", "no", "0", "off", ""})


@dataclass(frozen=True, slots=True)
class TierAssignment:
    """The tier of one identity and the fact it was read from."""

    tier: IdentityTier
    reason: str


def is_identity(principal: Principal) -> bool:
    """An identity of the analysed estate (not outside, not a placeholder)."""
    return (
        principal.kind in IDENTITY_KINDS
        and not principal.external
        and not principal.attributes.get("placeholder")
    )


def identities(graph: TrustGraph) -> list[Principal]:
    """Every identity of the analysed estate, sorted by id."""
    found = (p for p in graph.principals(*IDENTITY_KINDS) if is_identity(p))
    return sorted(found, key=lambda p: p.node_id)


def identity_tiers(graph: TrustGraph) -> dict[str, TierAssignment]:
    """The tier of every identity, keyed by node id.

    Tags and names settle a tier first; users are classified by their
    credentials; any other identity takes the highest tier (human, then
    automation, then workload) among those who can assume it. Callers that
    are identities pass their own tier on, followed up to
    :data:`CALLER_DEPTH` trust edges back, one round per edge.

    Examples
    --------
    >>> from graph.model import Principal, NodeKind
    >>> g = TrustGraph()
    >>> _ = g.add_principal(Principal("arn:aws:iam::1:user/a", NodeKind.USER))
    >>> identity_tiers(g)["arn:aws:iam::1:user/a"].tier
    <IdentityTier.HUMAN: 'human'>
    """
    shape = (len(graph), graph.nx.number_of_edges())
    cached = _TIER_CACHE.get(graph)
    if cached is not None and cached[0] == shape:
        return dict(cached[1])
    tiers = _compute_tiers(graph)
    _TIER_CACHE[graph] = (shape, tiers)
    return dict(tiers)


# Rules, KPIs and the report all ask for the tiers of one built graph;
# a graph that gained nodes or edges since is computed afresh.
_TIER_CACHE: WeakKeyDictionary[
    TrustGraph, tuple[tuple[int, int], dict[str, TierAssignment]]
] = WeakKeyDictionary()


def _compute_tiers(graph: TrustGraph) -> dict[str, TierAssignment]:
    people = identities(graph)
    current: dict[str, TierAssignment] = {}
    open_callers: dict[str, list[Principal]] = {}
    for principal in people:
        settled = _settled_tier(principal)
        if settled is not None:
            current[principal.node_id] = settled
            continue
        direct, identity_callers = _read_callers(graph, principal)
        if direct is not None:
            current[principal.node_id] = direct
        if identity_callers:
            open_callers[principal.node_id] = identity_callers

    open_callers.update(_caller_set_members(graph))
    # Each caller-set level adds one round between an identity and a role.
    for _ in range(CALLER_DEPTH + CALLER_SET_DEPTH):
        current, changed = _pass_tiers_on(current, open_callers)
        if not changed:
            break

    return {p.node_id: _final(p, current.get(p.node_id)) for p in people}


CALLER_DEPTH = 3
_RANK = {IdentityTier.HUMAN: 3, IdentityTier.AUTOMATION: 2, IdentityTier.WORKLOAD: 1}


def _settled_tier(principal: Principal) -> TierAssignment | None:
    """Tags, a break-glass name, or the credentials of a user."""
    tagged = _tier_from_tags(principal.tags)
    if tagged is not None:
        return tagged
    lowered = (principal.name or principal.node_id).lower()
    if any(marker in lowered for marker in _BREAK_GLASS_NAMES):
        return TierAssignment(IdentityTier.BREAK_GLASS, "name marks break-glass")
    if principal.kind is NodeKind.USER:
        return _classify_user(principal)
    return None


def _final(principal: Principal, found: TierAssignment | None) -> TierAssignment:
    """A service account, managed identity or app is never a human operator.

    A person who may use one does not make it theirs; it stays a workload
    unless its tags say otherwise.
    """
    if found is None:
        return _fallback(principal)
    human_found = found.tier is IdentityTier.HUMAN and found.reason.startswith(
        "assumable by"
    )
    if principal.kind in _WORKLOAD_KINDS and human_found:
        return _fallback(principal)
    return found


def _fallback(principal: Principal) -> TierAssignment:
    if principal.kind in _WORKLOAD_KINDS:
        return TierAssignment(IdentityTier.WORKLOAD, f"{principal.kind} identity")
    return TierAssignment(IdentityTier.UNCLASSIFIED, "no tag and no telling trust")


def _better(
    best: TierAssignment | None,
    tier: IdentityTier,
    caller: Principal,
) -> TierAssignment | None:
    if tier not in _RANK:
        return best
    if best is not None and _RANK.get(best.tier, 0) >= _RANK[tier]:
        return best
    return TierAssignment(tier, f"assumable by {caller.name or caller.node_id}")


def _read_callers(
    graph: TrustGraph,
    principal: Principal,
) -> tuple[TierAssignment | None, list[Principal]]:
    """The tier implied by non-identity callers, and the identity callers.

    A caller set (an account root standing for "any principal of the
    account allowed to assume roles") passes on the identities behind it.
    """
    best: TierAssignment | None = None
    identity_callers: dict[str, Principal] = {}
    for edge in graph.in_edges(principal.node_id):
        if edge.mechanism not in TRUST_MECHANISMS:
            continue
        caller = graph.principal(edge.source)
        tier = _caller_tier(graph, caller, edge.mechanism)
        if tier is not None:
            best = _better(best, tier, caller)
            continue
        if _passes_tier(caller) and caller.node_id != principal.node_id:
            identity_callers.setdefault(caller.node_id, caller)
    return best, list(identity_callers.values())


CALLER_SET_DEPTH = 2


def _passes_tier(caller: Principal) -> bool:
    """Identities pass their tier on; so do caller sets (an account root
    standing for its principals that may assume any role), whose own tier is
    the best of their members'. Sets are resolved once, not per identity
    they can assume, so an organisation-wide trust costs one step."""
    return is_identity(caller) or bool(caller.attributes.get("caller_set"))


def _caller_set_members(graph: TrustGraph) -> dict[str, list[Principal]]:
    members: dict[str, list[Principal]] = {}
    for principal in graph.principals():
        if not principal.attributes.get("caller_set"):
            continue
        members[principal.node_id] = [
            graph.principal(edge.source)
            for edge in graph.in_edges(principal.node_id)
            if edge.mechanism is Mechanism.MEMBER_OF
            and _passes_tier(graph.principal(edge.source))
        ]
    return members


def _pass_tiers_on(
    current: dict[str, TierAssignment],
    open_callers: dict[str, list[Principal]],
) -> tuple[dict[str, TierAssignment], bool]:
    """One round: each open identity takes the best tier of its callers."""
    updated = dict(current)
    changed = False
    for node_id, callers in open_callers.items():
        best = current.get(node_id)
        for caller in callers:
            known = current.get(caller.node_id)
            if known is None:
                continue
            tier = IdentityTier.HUMAN if known.tier.is_human else known.tier
            if caller.attributes.get("caller_set") and tier in _RANK:
                # A set passes on its members' reason, naming the member.
                if best is None or _RANK.get(best.tier, 0) < _RANK[tier]:
                    best = TierAssignment(tier, known.reason)
                continue
            best = _better(best, tier, caller)
        if best is not None and best != current.get(node_id):
            updated[node_id] = best
            changed = True
    return updated, changed


def _tier_from_tags(tags: Mapping[str, str]) -> TierAssignment | None:
    lowered = {str(k).lower(): str(v).strip().lower() for k, v in tags.items()}
    value = lowered.get("tier") or lowered.get("identity-tier")
    if value in _TIER_TAG_VALUES:
        return TierAssignment(_TIER_TAG_VALUES[value], f"tag tier={value}")
    for tag in _BREAK_GLASS_TAGS:
        if tag in lowered and lowered[tag] not in _FALSE_VALUES:
            return TierAssignment(IdentityTier.BREAK_GLASS, f"tag {tag}")
    return None


def _classify_user(principal: Principal) -> TierAssignment:
    # A user with console sign-in or MFA is a person; one that only holds
    # access keys is a service user run by automation.
    attributes = principal.attributes
    if attributes.get("password_last_used") or mfa_device_count(principal):
        return TierAssignment(IdentityTier.HUMAN, "user with console sign-in or MFA")
    if access_keys(principal):
        return TierAssignment(IdentityTier.AUTOMATION, "user with access keys only")
    return TierAssignment(IdentityTier.HUMAN, "user")


def _caller_tier(
    graph: TrustGraph,
    caller: Principal,
    mechanism: Mechanism,
) -> IdentityTier | None:
    """The tier a caller of this kind implies; None for identities and roots."""
    if mechanism is Mechanism.ASSUME_ROLE_SAML or caller.kind in _HUMAN_SOURCES:
        return IdentityTier.HUMAN
    if caller.kind in _FEDERATED_SOURCES:
        issuer = _issuer_text(graph, caller)
        if any(ci in issuer for ci in CI_ISSUERS):
            return IdentityTier.AUTOMATION
        return IdentityTier.WORKLOAD
    if caller.kind in (NodeKind.SERVICE, NodeKind.SERVICE_AGENT):
        return IdentityTier.WORKLOAD
    return None


def _issuer_text(graph: TrustGraph, caller: Principal) -> str:
    """Ids, names and issuers of a federated caller and the providers behind it.

    A pool or subject pattern often names no issuer itself; the provider
    that federates into it does.
    """
    parts = [caller.node_id, caller.name, str(caller.attributes.get("issuer") or "")]
    for edge in graph.in_edges(caller.node_id):
        provider = graph.principal(edge.source)
        if provider.kind in _FEDERATED_SOURCES:
            parts += [provider.node_id, str(provider.attributes.get("issuer") or "")]
    return " ".join(parts).lower()


def parse_time(value: Any) -> datetime | None:
    """An attribute timestamp (ISO text, date or datetime) as aware UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            logger.debug("unreadable timestamp %r", value)
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def access_keys(principal: Principal) -> list[Mapping[str, Any]]:
    """The ``access_keys`` attribute (keys, SA keys, app secrets), as listed."""
    keys = principal.attributes.get("access_keys") or []
    return [k for k in keys if isinstance(k, Mapping)]


def active_keys(principal: Principal) -> list[Mapping[str, Any]]:
    """Keys whose status is active (a key without status counts as active)."""
    return [
        k
        for k in access_keys(principal)
        if str(k.get("status") or "").lower() in _ACTIVE_KEY_STATES
    ]


def mfa_device_count(principal: Principal) -> int:
    value = principal.attributes.get("mfa_devices")
    return value if isinstance(value, int) else 0


def usage_known(principal: Principal) -> bool:
    """True when the builder recorded usage data for this identity.

    An identity-level ``last_used`` or ``password_last_used`` key counts
    even when empty (the cloud reports "never"); key-level ``last_used``
    counts only when it holds a date, since some exports leave it blank
    for "not tracked".
    """
    attributes = principal.attributes
    if "last_used" in attributes or "password_last_used" in attributes:
        return True
    return any(parse_time(k.get("last_used")) for k in access_keys(principal))


def last_used(principal: Principal) -> datetime | None:
    """The latest use of the identity or of any of its keys, if any."""
    attributes = principal.attributes
    moments = [
        parse_time(attributes.get("last_used")),
        parse_time(attributes.get("password_last_used")),
        *(parse_time(k.get("last_used")) for k in access_keys(principal)),
    ]
    return max((m for m in moments if m is not None), default=None)


def days_between(earlier: datetime, later: datetime) -> int:
    return (later - earlier).days


def count_by_tier(
    tiers: Mapping[str, TierAssignment],
    node_ids: Iterable[str] | None = None,
) -> dict[str, int]:
    """How many of ``node_ids`` (default all) fall in each tier, every tier listed."""
    counts = {str(t): 0 for t in IdentityTier}
    for node_id in tiers if node_ids is None else node_ids:
        if node_id in tiers:
            counts[str(tiers[node_id].tier)] += 1
    return counts


@dataclass(frozen=True, slots=True)
class Idleness:
    """How long an identity has gone unused (``days`` None: age unknown)."""

    days: int | None
    never_used: bool


def idleness(principal: Principal, now: datetime) -> Idleness | None:
    """Days since last use, or since creation when never used; None if unknown."""
    if not usage_known(principal):
        return None
    used = last_used(principal)
    if used is not None:
        return Idleness(days=days_between(used, now), never_used=False)
    created = parse_time(principal.attributes.get("create_date"))
    days = None if created is None else days_between(created, now)
    return Idleness(days=days, never_used=True)
