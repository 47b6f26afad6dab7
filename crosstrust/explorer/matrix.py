"""Query view for the explorer: which container's principals reach which container."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

import pandas as pd

from graph.trustgraph import TrustGraph
from queries.paths import Route, routes_between


def members(graph: TrustGraph, container_id: str) -> list[str]:
    """Principals (not container nodes) whose container is ``container_id``."""
    return sorted(
        p.node_id
        for p in graph.principals()
        if p.container_id == container_id and not p.is_container
    )


def containers(graph: TrustGraph) -> list[str]:
    """Every container that holds at least one principal."""
    found = {
        p.container_id
        for p in graph.principals()
        if p.container_id and not p.is_container
    }
    return sorted(found)


def _reached(graph: TrustGraph, starts: Iterable[str]) -> dict[str, str]:
    """Multi-source breadth-first search: reached node -> the start it came from."""
    origin = {node: node for node in starts}
    queue = deque(origin)
    while queue:
        node = queue.popleft()
        for successor in graph.nx.successors(node):
            if successor not in origin:
                origin[successor] = origin[node]
                queue.append(successor)
    return origin


def reach_counts(graph: TrustGraph) -> dict[tuple[str, str], int]:
    """(source container, other container) -> principals of the other reached.

    Reach inside one container is not counted: the matrix answers which
    boundaries are crossed.
    """
    counts: dict[tuple[str, str], int] = {}
    for source in containers(graph):
        for node in _reached(graph, members(graph, source)):
            target = graph.container_of(node)
            if target in ("", source) or graph.principal(node).is_container:
                continue
            counts[(source, target)] = counts.get((source, target), 0) + 1
    return counts


def reach_matrix(graph: TrustGraph) -> pd.DataFrame:
    """Rows are source containers, columns target containers, cells counts."""
    labels = containers(graph)
    counts = reach_counts(graph)
    cells = [[counts.get((row, column), 0) for column in labels] for row in labels]
    return pd.DataFrame(cells, index=labels, columns=labels)


def container_routes(
    graph: TrustGraph,
    source_container: str,
    target_container: str,
    *,
    limit: int = 20,
) -> list[Route]:
    """One shortest route to each reached principal of the other container."""
    if source_container == target_container:
        return []
    routes = []
    for node, start in sorted(
        _reached(graph, members(graph, source_container)).items()
    ):
        if graph.container_of(node) != target_container:
            continue
        if graph.principal(node).is_container:
            continue
        routes.extend(routes_between(graph, start, node, limit=1))
        if len(routes) >= limit:
            break
    return sorted(routes, key=lambda r: (len(r), r.nodes))
