"""Render stage, interactive: routes drawn as a self-contained pyvis HTML page.

The page carries vis-network inline and fetches nothing, so it draws with no
internet access. Every name, tag and mechanism is HTML-escaped before it
reaches pyvis, whatever vis-network later does with titles.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from html import escape

from pyvis.network import Network

from graph.model import Cloud, NodeKind, Principal, TrustEdge
from graph.trustgraph import TrustGraph
from queries.paths import Route

CLOUD_COLOURS = {
    Cloud.AWS: "#f5a623",
    Cloud.GCP: "#4a90d9",
    Cloud.AZURE: "#2bb3c0",
    Cloud.EXTERNAL: "#b0b0b0",
}
KIND_SHAPES = {
    NodeKind.USER: "dot",
    NodeKind.GROUP: "hexagon",
    NodeKind.ROLE: "box",
    NodeKind.ACCOUNT_ROOT: "diamond",
    NodeKind.SERVICE: "triangle",
    NodeKind.PUBLIC: "star",
    NodeKind.OIDC_PROVIDER: "triangleDown",
    NodeKind.SAML_PROVIDER: "triangleDown",
    NodeKind.FEDERATED_SUBJECT: "ellipse",
    NodeKind.SERVICE_ACCOUNT: "box",
    NodeKind.MANAGED_IDENTITY: "box",
    NodeKind.SERVICE_PRINCIPAL: "box",
}
ADMIN_BORDER = "#c0392b"
_OPTIONS = {
    "layout": {
        "hierarchical": {
            "enabled": True,
            "direction": "LR",
            "sortMethod": "directed",
            "levelSeparation": 170,
            "nodeSpacing": 90,
        }
    },
    "physics": {"enabled": False},
    "edges": {"font": {"size": 11, "align": "middle"}, "smooth": False},
    "nodes": {"font": {"size": 13}, "borderWidth": 2},
    "interaction": {"hover": True, "navigationButtons": False},
}
# pyvis's template links Bootstrap from a CDN whatever the resource mode,
# and opens with two empty headings that push the drawing down.
_REMOTE_TAG = re.compile(
    r"<(?:link|script)\b[^>]*\b(?:href|src)=\"https?://[^\"]*\"[^>]*>(?:\s*</script>)?",
    re.IGNORECASE,
)
_EMPTY_HEADING = re.compile(r"<center>\s*<h1>\s*</h1>\s*</center>")
_BODY = '<body style="margin:0"><style>#mynetwork{box-sizing:border-box}</style>'


def short_label(node_id: str) -> str:
    """The readable tail of an id: ``role/name`` plus its account for ARNs."""
    if node_id.startswith("arn:") and node_id.count(":") >= 5:
        parts = node_id.split(":", 5)
        return f"{parts[5]}\n{parts[4]}" if parts[4] else parts[5]
    return node_id if len(node_id) <= 48 else node_id[:45] + "…"


def node_label(principal: Principal) -> str:
    """ARN tail and account, else the display name (ids such as GUIDs read badly)."""
    node_id = principal.node_id
    if node_id.startswith("arn:"):
        return short_label(node_id)
    text = principal.name.strip() or node_id
    text = text if len(text) <= 36 else text[:35] + "…"
    return f"{text}\n{principal.kind}"


def _node_title(graph: TrustGraph, node_id: str) -> str:
    principal = graph.principal(node_id)
    lines = [
        node_id,
        f"kind: {principal.kind}",
        f"cloud: {principal.cloud}",
        f"container: {principal.container_id or '-'}",
    ]
    if graph.is_admin(node_id):
        lines.append(f"admin: {graph.admin_reason(node_id)}")
    lines.extend(f"tag {key}: {value}" for key, value in sorted(principal.tags.items()))
    return escape("\n".join(lines))


def _edge_title(edge: TrustEdge) -> str:
    lines = [f"{edge.source} -> {edge.target}", f"mechanism: {edge.mechanism}"]
    lines.extend(
        f"condition: {c.operator} {c.key} {list(c.values)} ({c.verdict})"
        for c in edge.conditions
    )
    lines.extend(f"evidence: {e}" for e in edge.evidence)
    return escape("\n".join(lines))


def _add_node(net: Network, graph: TrustGraph, node_id: str, ends: set[str]) -> None:
    principal = graph.principal(node_id)
    admin = graph.is_admin(node_id)
    net.add_node(
        node_id,
        label=escape(node_label(principal)),
        title=_node_title(graph, node_id),
        shape=KIND_SHAPES.get(principal.kind, "dot"),
        color={
            "background": CLOUD_COLOURS.get(principal.cloud, "#b0b0b0"),
            "border": ADMIN_BORDER if admin else "#333333",
        },
        borderWidth=4 if admin or node_id in ends else 1,
        size=18,
    )


def route_edges(routes: Iterable[Route]) -> list[TrustEdge]:
    """The distinct trust edges of some routes, in first-seen order."""
    seen: dict[tuple[str, str, str], TrustEdge] = {}
    for route in routes:
        for edge in route.edges:
            seen.setdefault((edge.source, edge.target, str(edge.mechanism)), edge)
    return list(seen.values())


def render_routes_html(
    graph: TrustGraph,
    routes: list[Route],
    *,
    height: int = 520,
) -> str:
    """One HTML page drawing every route; conditional edges are dashed."""
    net = Network(
        height=f"{height}px",
        width="100%",
        directed=True,
        cdn_resources="in_line",
    )
    ends = {n for r in routes for n in (r.nodes[0], r.nodes[-1])}
    for node_id in dict.fromkeys(n for r in routes for n in r.nodes):
        _add_node(net, graph, node_id, ends)

    for edge in route_edges(routes):
        net.add_edge(
            edge.source,
            edge.target,
            label=escape(str(edge.mechanism)),
            title=_edge_title(edge),
            dashes=edge.conditional,
            color="#c0392b" if edge.cross_boundary else "#555555",
            arrows="to",
        )

    net.set_options(json.dumps(_OPTIONS))
    html = _EMPTY_HEADING.sub("", _REMOTE_TAG.sub("", net.generate_html()))
    return html.replace("<body>", _BODY, 1)
