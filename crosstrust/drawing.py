"""Render stage: an offline drawing of a route or of a set of principals."""

from __future__ import annotations

from collections.abc import Iterable

from crosstrust.explorer.graphview import render_routes_html
from graph.trustgraph import TrustGraph
from queries.paths import Route


def draw_html(graph: TrustGraph, node_ids: Iterable[str], *, height: int = 520) -> str:
    """Self-contained HTML drawing the nodes and every trust edge among them
    (the explorer's renderer: escaped labels, inline vis.js, no network)."""
    wanted = [n for n in dict.fromkeys(node_ids) if n in graph]
    chosen = set(wanted)
    steps = [
        Route(nodes=(e.source, e.target), edges=(e,))
        for e in graph.edges()
        if e.source in chosen and e.target in chosen
    ]
    alone = chosen - {n for step in steps for n in step.nodes}
    steps += [Route(nodes=(n,), edges=()) for n in wanted if n in alone]
    return render_routes_html(graph, steps, height=height)
