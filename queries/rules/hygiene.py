"""Query stage: identity and credential hygiene rules (ownership, key age, use)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

from graph.model import Cloud, Evidence, Finding, NodeKind, Principal, Severity
from graph.trustgraph import TrustGraph
from queries.findings import RuleOptions, rule
from queries.tiers import (
    IdentityTier,
    active_keys,
    identities,
    identity_tiers,
    idleness,
    parse_time,
)

logger = logging.getLogger(__name__)

# The ids this module registers; tests about trust and route findings
# leave them out of their exact sets.
HYGIENE_RULES = frozenset(
    {"identity.missing-owner", "credential.long-lived", "identity.stale"}
)

# Roles the cloud provider creates and owns; their tags are not the
# customer's to set.
_PROVIDER_OWNED_PATHS = ("/aws-service-role/", "/aws-reserved/")


# Identities whose cloud gives them no tags or labels at all.
# TODO: GCP service-account ownership from descriptions or project labels —
# such accounts are not judged by identity.missing-owner.
_UNTAGGABLE = frozenset({(Cloud.GCP, NodeKind.SERVICE_ACCOUNT)})


def _provider_owned(principal: Principal) -> bool:
    path = str(principal.attributes.get("path") or "")
    return path.startswith(_PROVIDER_OWNED_PATHS)


def _has_any(tags: Mapping[str, str], names: tuple[str, ...]) -> bool:
    lowered = {str(k).lower(): str(v).strip() for k, v in tags.items()}
    return any(lowered.get(name.lower()) for name in names)


def _label(principal: Principal) -> str:
    return principal.name or principal.node_id


@rule("identity.missing-owner")
def missing_owner(graph: TrustGraph, options: RuleOptions) -> Iterator[Finding]:
    """Non-human identities without owner, environment or expiry tags."""
    wanted = (
        ("owner", options.owner_tags),
        ("environment", options.environment_tags),
        ("expiry", options.expiry_tags),
    )
    tiers = identity_tiers(graph)
    people = identities(graph)
    registered_apps = {
        str(p.attributes.get("appId"))
        for p in people
        if p.kind is NodeKind.APP_REGISTRATION and p.attributes.get("appId")
    }
    for principal in people:
        if _provider_owned(principal):
            continue
        if (principal.cloud, principal.kind) in _UNTAGGABLE:
            continue
        # An app and its service principal are one identity; its owners
        # tag the app registration.
        if (
            principal.kind is NodeKind.SERVICE_PRINCIPAL
            and str(principal.attributes.get("appId")) in registered_apps
        ):
            continue
        if tiers[principal.node_id].tier.is_human:
            continue
        missing = [
            label for label, names in wanted if not _has_any(principal.tags, names)
        ]
        if not missing:
            continue
        looked_for = "; ".join(f"{label}: {'/'.join(names)}" for label, names in wanted)
        yield Finding(
            rule="identity.missing-owner",
            severity=Severity.MEDIUM if "owner" in missing else Severity.LOW,
            subject=principal.node_id,
            title=f"{_label(principal)} has no {', '.join(missing)} tag",
            evidence=(
                Evidence(
                    document=principal.node_id,
                    statement="tags",
                    detail=f"missing {', '.join(missing)} (looked for {looked_for})",
                ),
            ),
            remediation=(
                "Tag the identity with the team that owns it, the environment it "
                "serves and the date it should be reviewed or removed."
            ),
        )


def _key_age(key: Mapping[str, Any], options: RuleOptions) -> int | None:
    created = parse_time(key.get("created"))
    return None if created is None else (options.now - created).days


def _key_detail(key: Mapping[str, Any], age: int) -> str:
    used = parse_time(key.get("last_used"))
    used_text = "no recorded use" if used is None else f"last used {used.date()}"
    text = f"created {age} days ago, {used_text}"
    expires = parse_time(key.get("expires"))
    if expires is not None:
        text += f", expires {expires.date()}"
    return text


@rule("credential.long-lived")
def long_lived_credentials(
    graph: TrustGraph,
    options: RuleOptions,
) -> Iterator[Finding]:
    """Active keys, service-account keys and app secrets past ``key_age_days``."""
    for principal in identities(graph):
        for key in active_keys(principal):
            age = _key_age(key, options)
            if age is None or age <= options.key_age_days:
                continue
            expires = parse_time(key.get("expires"))
            if expires is not None and expires <= options.now:
                # An expired secret can no longer be used.
                continue
            key_id = str(key.get("id") or "unnamed key")
            admin = graph.is_admin(principal.node_id)
            yield Finding(
                rule="credential.long-lived",
                severity=Severity.HIGH if admin else Severity.MEDIUM,
                subject=principal.node_id,
                key=key_id,
                title=f"{_label(principal)} key {key_id} is {age} days old",
                evidence=(
                    Evidence(
                        document=principal.node_id,
                        statement=f"access key {key_id}",
                        detail=_key_detail(key, age),
                    ),
                ),
                remediation=(
                    "Replace the key with short-lived credentials (role assumption, "
                    "workload identity federation); if it must stay, rotate it "
                    f"within {options.key_age_days} days."
                ),
            )


@rule("identity.stale")
def stale_identities(graph: TrustGraph, options: RuleOptions) -> Iterator[Finding]:
    """Identities unused for longer than ``stale_days`` (break-glass exempt)."""
    tiers = identity_tiers(graph)
    for principal in identities(graph):
        idle = idleness(principal, options.now)
        if idle is None:
            continue
        if idle.days is not None and idle.days <= options.stale_days:
            continue
        if tiers[principal.node_id].tier is IdentityTier.BREAK_GLASS:
            logger.debug("%s is break-glass; unused by design", principal.node_id)
            continue
        if idle.never_used:
            since = (
                "creation date unknown"
                if idle.days is None
                else (f"created {idle.days} days ago")
            )
            detail = f"never used, {since}"
        else:
            detail = f"last used {idle.days} days ago"
        admin = graph.is_admin(principal.node_id)
        yield Finding(
            rule="identity.stale",
            severity=Severity.MEDIUM if admin else Severity.LOW,
            subject=principal.node_id,
            title=f"{_label(principal)} is unused: {detail}",
            evidence=(
                Evidence(
                    document=principal.node_id,
                    statement="last use",
                    detail=f"{detail} (threshold {options.stale_days} days)",
                ),
            ),
            remediation=(
                "Confirm with the owner and delete the identity, or remove its "
                "permissions and keys until it is needed again."
            ),
        )
