"""Query stage: route rules (escalation to admin, crossing containers)."""

from __future__ import annotations

from collections.abc import Iterator

from graph.model import Evidence, Finding, Mechanism, NodeKind, Severity
from graph.trustgraph import TrustGraph
from queries.findings import RuleOptions, rule
from queries.paths import Route, principals_reaching_admin

# Identities that act on their own; groups, services and outside parties
# are reported by the trust rules instead.
ACTING_KINDS = frozenset(
    {
        NodeKind.USER,
        NodeKind.ROLE,
        NodeKind.SERVICE_ACCOUNT,
        NodeKind.MANAGED_IDENTITY,
        NodeKind.SERVICE_PRINCIPAL,
        NodeKind.APP_REGISTRATION,
    }
)


def _acting(graph: TrustGraph, node_id: str) -> bool:
    """An identity of ours that someone can act as: service-linked roles are
    used only by their AWS service, never by a person or workload."""
    principal = graph.principal(node_id)
    if principal.attributes.get("service_linked"):
        return False
    return principal.kind in ACTING_KINDS and not principal.external


def _is_production(graph: TrustGraph, options: RuleOptions, node_id: str) -> bool:
    container = graph.container_of(node_id)
    if not container or container not in graph:
        return False
    account = graph.principal(container)
    words = (account.name.lower(), *(v.lower() for v in account.tags.values()))
    return any(p in w for w in words for p in options.production_values)


def _route_evidence(route: Route) -> tuple:  # type: ignore[type-arg]
    return tuple(e for edge in route.edges for e in edge.evidence)


@rule("path.escalation-to-admin")
def escalation_to_admin(graph: TrustGraph, options: RuleOptions) -> Iterator[Finding]:
    """A non-admin identity has a route to admin power."""
    # Admin of a production account is the worse outcome: find those first.
    admins = graph.admins()
    production = [a for a in admins if _is_production(graph, options, a)]
    routes = principals_reaching_admin(graph, production)
    for node_id, route in principals_reaching_admin(graph, admins).items():
        routes.setdefault(node_id, route)
    yield from _self_granted(graph, options)
    for node_id, route in routes.items():
        if not _acting(graph, node_id):
            continue
        admin = route.nodes[-1]
        critical = _is_production(graph, options, admin)
        severity = Severity.CRITICAL if critical else Severity.HIGH
        steps = " -> ".join(str(e.mechanism) for e in route.edges)
        yield Finding(
            "path.escalation-to-admin",
            severity,
            subject=node_id,
            path=route.nodes,
            evidence=_route_evidence(route),
            remediation=(
                "Remove the first permission or trust of the route that the "
                "identity does not need."
            ),
            title=f"reaches admin {admin} via {steps}"
            + (" (conditional)" if route.conditional else ""),
            key=admin,
            edges=route.edges,
        )


def _self_granted(graph: TrustGraph, options: RuleOptions) -> Iterator[Finding]:
    """Principals that are admin only because they can grant it to themselves."""
    for node_id in graph.admins():
        if not (graph.is_latent_admin(node_id) and _acting(graph, node_id)):
            continue
        critical = _is_production(graph, options, node_id)
        reason = graph.admin_reason(node_id)
        yield Finding(
            "path.escalation-to-admin",
            Severity.CRITICAL if critical else Severity.HIGH,
            subject=node_id,
            path=(node_id,),
            evidence=(Evidence(node_id, "admin power", reason),),
            remediation=(
                "Remove the permission that lets the identity change its own "
                "policies, group or boundary."
            ),
            title=reason,
            key="self",
        )


@rule("path.cross-account")
def cross_account(graph: TrustGraph, options: RuleOptions) -> Iterator[Finding]:
    """An identity can obtain the power of an identity in another container."""
    for edge in graph.edges():
        if not edge.cross_boundary or edge.mechanism is Mechanism.MEMBER_OF:
            continue
        source = graph.principal(edge.source)
        caller_set = bool(source.attributes.get("caller_set"))
        if not (
            (caller_set or _acting(graph, edge.source)) and _acting(graph, edge.target)
        ):
            continue
        severity = Severity.HIGH if graph.is_admin(edge.target) else Severity.MEDIUM
        source_container = graph.container_of(edge.source) or "organisation"
        target_container = graph.container_of(edge.target)
        yield Finding(
            "path.cross-account",
            severity,
            subject=edge.source,
            path=(edge.source, edge.target),
            evidence=edge.evidence,
            remediation=(
                "Confirm the cross-account access is intended and least-privilege."
            ),
            title=f"{source_container} -> {target_container} via {edge.mechanism}",
            key=edge.target,
            edges=(edge,),
        )
