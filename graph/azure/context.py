"""Graph stage, Azure: what every Azure edge builder reads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from graph.azure.assignments import Assignments, Authority
from graph.azure.directory import Directory
from graph.azure.scopes import ScopeTree
from graph.model import Condition, Evidence, Mechanism, NodeKind, TrustEdge
from graph.trustgraph import TrustGraph

if TYPE_CHECKING:
    from graph.azure.entra import DirectoryRoleGrant


@dataclass(slots=True)
class AzureContext:
    """What the Azure edge builders read: tree, directory, grants, authority."""

    tree: ScopeTree
    directory: Directory
    assignments: Assignments
    authority: Authority
    groups: dict[str, frozenset[str]]
    members: dict[str, frozenset[str]]
    boundary: dict[str, str]
    directory_roles: list[DirectoryRoleGrant]


def _crosses(
    context: AzureContext, graph: TrustGraph, source: str, target: str
) -> bool:
    """Different subscriptions (for subscription-homed sources) or tenants."""
    if graph.principal(source).external != graph.principal(target).external:
        return True
    home = context.boundary.get(source, "tenant")
    return home != "tenant" and home != context.boundary.get(target, "tenant")


def add_edge(
    context: AzureContext,
    graph: TrustGraph,
    source: str,
    target: str,
    mechanism: Mechanism,
    *,
    conditions: Iterable[Condition] = (),
    evidence: Iterable[Evidence] = (),
) -> TrustEdge | None:
    """Add an edge between two known nodes, with its crossing computed."""
    if source == target or source not in graph or target not in graph:
        return None
    edge = TrustEdge(
        source,
        target,
        mechanism,
        conditions=tuple(dict.fromkeys(conditions)),
        evidence=tuple(evidence),
        cross_boundary=_crosses(context, graph, source, target),
    )
    return graph.add_edge(edge)


def acting_principal(context: AzureContext, node_id: str) -> str:
    """An app registration acts through its service principal when one is known."""
    record = context.directory.records.get(node_id)
    if record is None or record.kind is not NodeKind.APP_REGISTRATION:
        return node_id
    app_id = str(record.attributes.get("appId") or "")
    return context.directory.service_principal_of_app(app_id, node_id)
