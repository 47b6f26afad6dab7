"""Query stage: rules over trust edges (external, broad, federated, service)."""

from __future__ import annotations

from collections.abc import Iterator

from graph.model import Finding, Mechanism, NodeKind, Severity, TrustEdge, Verdict
from graph.trustgraph import TrustGraph
from queries.findings import RuleOptions, rule
from queries.rules.notes import findings_from_notes

# Conditions that narrow "anyone" to a known set of callers.
NARROWING_KEYS = frozenset(
    {
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:userid",
        "aws:username",
        "sts:rolesessionname",
    }
)
SOURCE_KEYS = frozenset(
    {"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths"}
)
# Roles for these services are handed over with iam:PassRole, and the
# services do not accept source conditions in trust policies.
PASSROLE_ONLY_SERVICES = frozenset({"service:ec2.amazonaws.com"})
OIDC_SEVERITY = {"token.actions.githubusercontent.com": Severity.CRITICAL}
ASSUME_MECHANISMS = (Mechanism.ASSUME_ROLE,)


def _pins(edge: TrustEdge, keys: frozenset[str]) -> bool:
    """Some depends-condition of the edge on one of ``keys`` restricts it."""
    return any(
        c.key.lower() in keys and c.verdict is Verdict.DEPENDS for c in edge.conditions
    )


def _finding(
    graph: TrustGraph,
    rule_id: str,
    severity: Severity,
    edge: TrustEdge,
    *,
    title: str,
    remediation: str,
) -> Finding:
    if graph.is_admin(edge.target) and severity.rank < Severity.CRITICAL.rank:
        severity = Severity.CRITICAL if severity is Severity.HIGH else Severity.HIGH
    return Finding(
        rule_id,
        severity,
        subject=edge.target,
        path=(edge.source, edge.target),
        evidence=edge.evidence,
        remediation=remediation,
        title=title,
        key=edge.source,
        edges=(edge,),
    )


@rule("trust.external-no-external-id")
def external_without_external_id(
    graph: TrustGraph, options: RuleOptions
) -> Iterator[Finding]:
    """A role trusts an outside account with no pinned sts:ExternalId."""
    for edge in graph.edges(*ASSUME_MECHANISMS):
        source = graph.principal(edge.source)
        if source.kind not in (NodeKind.ACCOUNT_ROOT, NodeKind.ROLE, NodeKind.USER):
            continue
        if not source.external or _pins(edge, frozenset({"sts:externalid"})):
            continue
        yield _finding(
            graph,
            "trust.external-no-external-id",
            Severity.HIGH,
            edge,
            title=(
                f"trusts outside account {source.container_id} without an external id"
            ),
            remediation=(
                "Add a StringEquals sts:ExternalId condition with the value the "
                "third party issued, or remove the trust if it is no longer used."
            ),
        )


@rule("trust.broad-principal")
def broad_principal(graph: TrustGraph, options: RuleOptions) -> Iterator[Finding]:
    """Anyone (``*``) can assume a role, with no condition narrowing who."""
    yield from findings_from_notes(graph, "trust.broad-principal")
    for edge in graph.edges(*ASSUME_MECHANISMS):
        if graph.principal(edge.source).kind is not NodeKind.PUBLIC:
            continue
        if _pins(edge, NARROWING_KEYS):
            continue
        yield _finding(
            graph,
            "trust.broad-principal",
            Severity.CRITICAL,
            edge,
            title="any AWS principal in any account can assume this role",
            remediation=(
                "Name the trusted principals, or narrow the wildcard with "
                "aws:PrincipalOrgID / aws:PrincipalArn conditions."
            ),
        )


@rule("trust.oidc-unrestricted-subject")
def oidc_unrestricted(graph: TrustGraph, options: RuleOptions) -> Iterator[Finding]:
    """A web-identity trust that does not pin the token subject."""
    yield from findings_from_notes(graph, "trust.oidc-unrestricted-subject")
    yield from _oidc(graph, "any", "trust.oidc-unrestricted-subject")


@rule("trust.oidc-broad-subject")
def oidc_broad(graph: TrustGraph, options: RuleOptions) -> Iterator[Finding]:
    """A web-identity trust pinned to one owner but wildcarded within it."""
    yield from findings_from_notes(graph, "trust.oidc-broad-subject")
    yield from _oidc(graph, "broad", "trust.oidc-broad-subject")


def _oidc(graph: TrustGraph, scope: str, rule_id: str) -> Iterator[Finding]:
    for edge in graph.edges(Mechanism.ASSUME_ROLE_WEB_IDENTITY):
        source = graph.principal(edge.source)
        if source.attributes.get("subject_scope") != scope:
            continue
        issuer = str(source.attributes.get("issuer", ""))
        if scope == "broad":
            severity = Severity.MEDIUM
        elif issuer == "cognito-identity.amazonaws.com":
            severity = Severity.MEDIUM
        else:
            severity = OIDC_SEVERITY.get(issuer, Severity.HIGH)
        what = (
            "any subject"
            if scope == "any"
            else f"subjects {source.attributes['pattern']}"
        )
        yield _finding(
            graph,
            rule_id,
            severity,
            edge,
            title=f"tokens of {issuer} for {what} can assume this role",
            remediation=(
                "Pin the subject claim to the exact repository and branch or "
                "environment (StringEquals on <issuer>:sub)."
            ),
        )


@rule("trust.service-confused-deputy")
def confused_deputy(graph: TrustGraph, options: RuleOptions) -> Iterator[Finding]:
    """A customer-managed role trusts a service with no source restriction."""
    for edge in graph.edges(*ASSUME_MECHANISMS):
        source = graph.principal(edge.source)
        if source.kind is not NodeKind.SERVICE or edge.source in PASSROLE_ONLY_SERVICES:
            continue
        if graph.principal(edge.target).attributes.get("service_linked"):
            continue
        if _pins(edge, SOURCE_KEYS):
            continue
        yield _finding(
            graph,
            "trust.service-confused-deputy",
            Severity.MEDIUM,
            edge,
            title=f"{source.name} can assume this role for any customer's resource",
            remediation=(
                "Add aws:SourceAccount and aws:SourceArn conditions naming your "
                "own account and resource."
            ),
        )
