"""Query stage: reachability and routes over a built trust graph."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import networkx as nx

from graph.errors import NoRoute
from graph.model import TrustEdge
from graph.trustgraph import TrustGraph

ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Route:
    """An ordered run of trust edges from ``nodes[0]`` to ``nodes[-1]``."""

    nodes: tuple[str, ...]
    edges: tuple[TrustEdge, ...]

    @property
    def conditional(self) -> bool:
        return any(e.conditional for e in self.edges)

    @property
    def cross_boundary(self) -> bool:
        return any(e.cross_boundary for e in self.edges)

    def __len__(self) -> int:
        return len(self.edges)

    def _repr_html_(self) -> str:
        from html import escape

        rows = "".join(
            f"<tr><td>{escape(e.source)}</td><td>{escape(str(e.mechanism))}</td>"
            f"<td>{escape(e.target)}</td><td>{'yes' if e.conditional else ''}</td>"
            f"<td>{escape('; '.join(str(v) for v in e.evidence))}</td></tr>"
            for e in self.edges
        )
        head = "<tr><th>from</th><th>mechanism</th><th>to</th>"
        head += "<th>conditional</th><th>evidence</th></tr>"
        return f"<table>{head}{rows}</table>"

    def to_json(self) -> dict[str, Any]:
        return {
            "nodes": list(self.nodes),
            "edges": [
                {
                    "source": e.source,
                    "target": e.target,
                    "mechanism": str(e.mechanism),
                    "conditions": [c.to_json() for c in e.conditions],
                    "evidence": [v.to_json() for v in e.evidence],
                    "conditional": e.conditional,
                }
                for e in self.edges
            ],
        }


def reachable_from(graph: TrustGraph, node_id: str) -> set[str]:
    """Every principal whose power ``node_id`` can obtain (itself excluded).

    Examples
    --------
    >>> from crosstrust import load_graph
    >>> g = load_graph("sample_data/aws")
    >>> "arn:aws:iam::111111111111:role/OrganizationAdmin" in reachable_from(
    ...     g, "arn:aws:iam::111111111111:role/ci-deployer")
    True
    """
    graph.principal(node_id)
    return set(nx.descendants(graph.nx, node_id))


def who_can_reach(graph: TrustGraph, node_id: str) -> set[str]:
    """Every principal that can obtain ``node_id``'s power (itself excluded)."""
    graph.principal(node_id)
    return set(nx.ancestors(graph.nx, node_id))


def _best_edge(graph: TrustGraph, source: str, target: str) -> TrustEdge:
    """The easiest edge of a pair: unconditional first, then fewest conditions."""
    edges: list[TrustEdge] = [
        d["edge"] for d in graph.nx.get_edge_data(source, target).values()
    ]
    return min(edges, key=lambda e: (e.conditional, len(e.conditions), e.mechanism))


def _route(graph: TrustGraph, nodes: list[str]) -> Route:
    edges = tuple(_best_edge(graph, a, b) for a, b in itertools.pairwise(nodes))
    return Route(nodes=tuple(nodes), edges=edges)


def routes_between(
    graph: TrustGraph,
    source: str,
    target: str,
    *,
    limit: int = 10,
    max_hops: int = 8,
) -> list[Route]:
    """Up to ``limit`` simple routes from source to target, shortest first.

    Raises
    ------
    PrincipalNotFound
        When either id is not in the graph.
    """
    graph.principal(source)
    graph.principal(target)
    if source == target or not nx.has_path(graph.nx, source, target):
        return []
    found = nx.shortest_simple_paths(graph.simple(), source, target)
    routes = []
    for nodes in itertools.islice(found, limit):
        if len(nodes) - 1 > max_hops:
            break
        routes.append(_route(graph, nodes))
    return routes


def routes_to_admin(
    graph: TrustGraph,
    source: str,
    *,
    limit: int = 10,
    max_hops: int = 8,
) -> list[Route]:
    """Routes from ``source`` to any admin principal, shortest first."""
    graph.principal(source)
    admins = set(graph.admins()) - {source}
    if not admins:
        return []
    descendants = nx.descendants(graph.nx, source)
    reachable = descendants & admins
    if not reachable:
        return []
    # Only the part of the graph the source can reach matters.
    sink = ("__any_admin__",)
    work = nx.DiGraph(graph.simple().subgraph(descendants | {source}))
    work.add_edges_from((a, sink) for a in reachable)
    routes = []
    for nodes in itertools.islice(nx.shortest_simple_paths(work, source, sink), limit):
        if len(nodes) - 2 > max_hops:
            break
        routes.append(_route(graph, nodes[:-1]))
    return routes


def first_route(graph: TrustGraph, source: str, target: str) -> Route:
    """The shortest route, or raise :class:`NoRoute` naming both ends."""
    routes = (
        routes_to_admin(graph, source, limit=1)
        if target == ADMIN
        else routes_between(graph, source, target, limit=1)
    )
    if not routes:
        raise NoRoute(f"no route from {source!r} to {target!r}")
    return routes[0]


def principals_reaching_admin(
    graph: TrustGraph, admins: Iterable[str] | None = None
) -> dict[str, Route]:
    """For every non-admin that can reach an admin: one shortest route.

    One reverse breadth-first search from all admins (or the given ones) at
    once, so the cost is linear in the graph, whatever the number of admins.
    """
    admins = list(graph.admins() if admins is None else admins)
    parent: dict[str, str] = {a: a for a in admins}
    queue = deque(admins)
    while queue:
        node = queue.popleft()
        for caller in graph.nx.predecessors(node):
            if caller not in parent:
                parent[caller] = node
                queue.append(caller)
    result = {}
    for node in parent:
        if graph.is_admin(node):
            continue
        result[node] = _route(graph, list(_walk(parent, node)))
    return result


def _walk(parent: dict[str, str], node: str) -> Iterator[str]:
    yield node
    while parent[node] != node:
        node = parent[node]
        yield node
