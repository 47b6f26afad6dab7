"""Query view for the explorer: which container's principals reach which container."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

import pandas as pd

from graph.trustgraph import TrustGraph
from queries.paths import Route, routes_between


def members_by_container(graph: TrustGraph) -> dict[str, list[str]]:
    """Container id -> its principals (container nodes left out), both sorted."""
    found: dict[str, list[str]] = {}
    for principal in graph.principals():
        if principal.container_id and not principal.is_container:
            found.setdefault(principal.container_id, []).append(principal.node_id)
    return {c: sorted(found[c]) for c in sorted(found)}


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
    members = members_by_container(graph)
    home = {node: c for c, nodes in members.items() for node in nodes}
    counts: dict[tuple[str, str], int] = {}
    for source, own in members.items():
        for node in _reached(graph, own):
            target = home.get(node, source)
            if target != source:
                counts[(source, target)] = counts.get((source, target), 0) + 1
    return counts


def reach_matrix(graph: TrustGraph) -> pd.DataFrame:
    """Rows are source containers, columns target containers, cells counts."""
    labels = list(members_by_container(graph))
    counts = reach_counts(graph)
    cells = [[counts.get((row, column), 0) for column in labels] for row in labels]
    return pd.DataFrame(cells, index=labels, columns=labels)


def crossing_only(matrix: pd.DataFrame) -> pd.DataFrame:
    """The rows that reach another container and the columns that are reached."""
    rows = matrix.index[matrix.sum(axis=1) > 0]
    columns = matrix.columns[matrix.sum(axis=0) > 0]
    return matrix.loc[rows, columns]


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
    members = members_by_container(graph)
    wanted = set(members.get(target_container, []))
    reached = _reached(graph, members.get(source_container, []))
    routes = []
    for node, start in sorted(reached.items()):
        if node not in wanted:
            continue
        routes.extend(routes_between(graph, start, node, limit=1))
        if len(routes) >= limit:
            break
    return sorted(routes, key=lambda r: (len(r), r.nodes))
