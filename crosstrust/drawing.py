"""Render stage: an offline pyvis drawing of part of the trust graph."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from graph.trustgraph import TrustGraph

CLOUD_COLOURS = {
    "aws": "#ff9900",
    "gcp": "#4285f4",
    "azure": "#0078d4",
    "external": "#d62728",
}
KIND_SHAPES = {
    "user": "dot",
    "role": "diamond",
    "group": "square",
    "public": "star",
    "account_root": "triangle",
    "federated_subject": "triangleDown",
    "service": "ellipse",
}


def _label(text: str) -> str:
    """Labels are drawn as text; titles may be shown as HTML, so escape both."""
    return html.escape(text, quote=True)


def draw_html(
    graph: TrustGraph, node_ids: Iterable[str], *, height: str = "520px"
) -> str:
    """Self-contained HTML (JavaScript inlined, no network) drawing the nodes
    and every trust edge among them; conditional edges are dashed."""
    from pyvis.network import Network

    network = Network(
        height=height, width="100%", directed=True, cdn_resources="in_line"
    )
    wanted = [n for n in dict.fromkeys(node_ids) if n in graph]
    for node_id in wanted:
        attrs = graph.nx.nodes[node_id]
        name = attrs["name"] or node_id
        title = f"{node_id}\n{attrs['kind']}" + ("\nadmin" if attrs["is_admin"] else "")
        network.add_node(
            node_id,
            label=_label(name[:40]),
            title=_label(title),
            color=CLOUD_COLOURS.get(attrs["cloud"], "#7f7f7f"),
            shape=KIND_SHAPES.get(attrs["kind"], "dot"),
            borderWidth=3 if attrs["is_admin"] else 1,
        )
    chosen = set(wanted)
    for edge in graph.edges():
        if edge.source in chosen and edge.target in chosen:
            network.add_edge(
                edge.source,
                edge.target,
                label=_label(str(edge.mechanism)),
                title=_label("; ".join(str(e) for e in edge.evidence)),
                dashes=edge.conditional,
                arrows="to",
            )
    return _offline(str(network.generate_html(notebook=False)))


# pyvis links Bootstrap from a CDN even with inlined vis.js; the drawing
# does not use it, and a page must open with no network at all.
_REMOTE = re.compile(
    r"<link[^>]*https?://[^>]*>|<script[^>]*src=\"https?://[^>]*>\s*</script>",
    re.DOTALL,
)


def _offline(markup: str) -> str:
    return _REMOTE.sub("", markup)
