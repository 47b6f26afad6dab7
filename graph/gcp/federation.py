"""Graph stage, GCP: workload identity federation and Google-issued OIDC subjects."""

from __future__ import annotations

import re
from collections import defaultdict
from fnmatch import fnmatchcase

from graph.gcp.estate import Estate, Provider
from graph.gcp.grants import Grant, add_note_once
from graph.gcp.members import WIF_PREFIXES, pool_of
from graph.model import (
    Cloud,
    Condition,
    Evidence,
    Mechanism,
    NodeKind,
    PolicyNote,
    Principal,
    Severity,
    TrustEdge,
    Verdict,
)
from graph.trustgraph import TrustGraph

GOOGLE_OIDC_PREFIX = "oidc:accounts.google.com:"

# Issuers shared by every customer: without a condition, anyone's workload fits.
_SHARED_ISSUERS = (
    "https://token.actions.githubusercontent.com",
    "https://gitlab.com",
    "https://app.terraform.io",
    "https://oidc.circleci.com",
    "https://api.bitbucket.org",
)
# Claims that name whose workload a token belongs to, per shared issuer.
_OWNER_CLAIM = re.compile(
    r"\b(?:assertion|attribute)\.(?:sub|repository|repository_owner|"
    r"repository_id|repository_owner_id|job_workflow_ref|namespace_path|"
    r"namespace_id|project_path|project_id|terraform_organization_name|"
    r"terraform_organization_id|workspace_uuid)\b|\bgoogle\.subject\b"
)
_PIN_KEYS = {"subject": "google.subject", "group": "google.groups"}


def build_federation(estate: Estate, graph: TrustGraph, grants: list[Grant]) -> None:
    """Provider nodes, provider -> pool-principal edges, and their notes."""
    providers: dict[str, list[Provider]] = defaultdict(list)
    for provider in estate.providers:
        providers[provider.pool].append(provider)
        graph.add_principal(_provider_node(provider))
        if is_open(provider):
            add_note_once(graph, _unrestricted_note(provider))
    members = sorted(
        p.node_id for p in graph.principals() if p.node_id.startswith(WIF_PREFIXES)
    )
    for member in members:
        pool = pool_of(member)
        if not providers.get(pool):
            estate.gap(
                member,
                "providers-not-loaded",
                f"no provider of workload identity pool {pool} was loaded",
            )
        for provider in providers.get(pool, ()):
            if not provider.disabled:
                graph.add_edge(_federate_edge(provider, member))
    _note_pool_wide(graph, grants, providers)


def _provider_node(provider: Provider) -> Principal:
    return Principal(
        provider.name,
        NodeKind.SAML_PROVIDER if provider.issuer == "saml" else NodeKind.OIDC_PROVIDER,
        cloud=Cloud.EXTERNAL,
        name=provider.name.rsplit("/", 1)[-1],
        external=True,
        attributes={
            "issuer": provider.issuer,
            "attribute_condition": provider.attribute_condition,
            "attribute_mapping": provider.attribute_mapping,
            "disabled": provider.disabled,
        },
    )


def _federate_edge(provider: Provider, member: str) -> TrustEdge:
    conditions = []
    if provider.attribute_condition:
        conditions.append(
            Condition(
                operator="cel",
                key="attributeCondition",
                values=(provider.attribute_condition,),
                verdict=Verdict.DEPENDS,
                note=provider.attribute_condition,
            )
        )
    pin = _member_pin(member)
    if pin is not None:
        conditions.append(pin)
    evidence = Evidence(provider.document, provider.name, f"issuer {provider.issuer}")
    return TrustEdge(
        provider.name,
        member,
        Mechanism.FEDERATE,
        conditions=tuple(conditions),
        evidence=(evidence,),
    )


def _member_pin(member: str) -> Condition | None:
    """What a principal / principalSet fixes beyond its pool, as a condition."""
    rest = member.split("/workloadIdentityPools/", 1)[-1].split("/", 1)[-1]
    if rest == "*":
        return None
    kind, _, value = rest.partition("/")
    key = _PIN_KEYS.get(kind, kind)
    return Condition(
        operator="equals",
        key=key,
        values=(value,),
        verdict=Verdict.DEPENDS,
        note=f"token {key} must be {value}",
    )


def _is_shared(issuer: str) -> bool:
    return issuer.rstrip("/") in _SHARED_ISSUERS


def is_open(provider: Provider) -> bool:
    """An enabled provider whose condition admits every workload of its issuer.

    For issuers shared by all their customers, a condition that names no
    owner claim (repository, project path, subject, ...) pins nothing either.
    """
    if provider.disabled:
        return False
    condition = provider.attribute_condition
    if not condition:
        return True
    return _is_shared(provider.issuer) and not _OWNER_CLAIM.search(condition)


def _unrestricted_note(provider: Provider) -> PolicyNote:
    shared = _is_shared(provider.issuer)
    who = "any workload of any customer of" if shared else "every identity of"
    condition = provider.attribute_condition
    what = (
        f"condition {condition!r} pins no owner"
        if condition
        else ("no attribute condition")
    )
    return PolicyNote(
        rule="trust.oidc-unrestricted-subject",
        subject=provider.name,
        evidence=Evidence(provider.document, provider.name, what),
        message=f"provider has {what}: {who} {provider.issuer} enters the pool",
        severity=Severity.CRITICAL if shared else Severity.HIGH,
    )


def _note_pool_wide(
    graph: TrustGraph, grants: list[Grant], providers: dict[str, list[Provider]]
) -> None:
    # A pool-wide principalSet is open when some provider of the pool pins nothing.
    for grant in grants:
        if not (
            grant.member.startswith("principalSet://") and grant.member.endswith("/*")
        ):
            continue
        pool = pool_of(grant.member)
        open_providers = [p.name for p in providers.get(pool, ()) if is_open(p)]
        if open_providers and grant.permissions:
            add_note_once(
                graph,
                PolicyNote(
                    rule="trust.oidc-unrestricted-subject",
                    subject=grant.scope,
                    evidence=grant.evidence,
                    message=f"{grant.role} is granted to every identity of pool "
                    f"{pool}, whose provider {open_providers[0]} has no "
                    "attribute condition",
                    severity=Severity.HIGH,
                ),
            )


def link_google_oidc(estate: Estate, graph: TrustGraph) -> None:
    """Service account -> ``oidc:accounts.google.com:<sub>`` nodes it can satisfy.

    A service account signs Google ID tokens whose ``sub`` is its unique id,
    so it can use any web-identity trust that names that subject.
    """
    subjects = [
        node_id
        for node_id in graph.nx.nodes
        if str(node_id).startswith(GOOGLE_OIDC_PREFIX)
    ]
    if not subjects:
        return
    for account in estate.service_accounts.values():
        source = f"serviceAccount:{account.email}"
        if not account.unique_id or source not in graph:
            continue
        for subject in subjects:
            pattern = subject.removeprefix(GOOGLE_OIDC_PREFIX)
            if fnmatchcase(account.unique_id, pattern):
                evidence = Evidence(
                    account.document, account.email, f"uniqueId {account.unique_id}"
                )
                graph.add_edge(
                    TrustEdge(
                        source,
                        subject,
                        Mechanism.FEDERATE,
                        evidence=(evidence,),
                        cross_boundary=True,
                    )
                )
