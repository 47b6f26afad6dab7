"""Route drawing: self-contained HTML, dashed conditional edges, escaped text."""

from __future__ import annotations

import json
import re

from conftest import TAGGED, XSS

from crosstrust import load_graph
from crosstrust.explorer.graphview import render_routes_html, short_label
from graph.model import Condition, Mechanism, TrustEdge, Verdict
from queries.paths import Route, routes_to_admin

ALICE = "arn:aws:iam::111111111111:user/alice"
DEPLOYER = "arn:aws:iam::111111111111:role/deployer"
MARKUP_USER = f"arn:aws:iam::aws:user/{XSS}"


def _dataset(html: str, name: str) -> list[dict[str, object]]:
    match = re.search(rf"{name} = new vis\.DataSet\((\[.*?\])\);", html)
    assert match is not None
    rows: list[dict[str, object]] = json.loads(match.group(1))
    return rows


def test_route_html_needs_no_network() -> None:
    graph = load_graph(TAGGED)

    html = render_routes_html(graph, routes_to_admin(graph, ALICE))

    assert re.findall(r"<(?:script|link)[^>]+(?:src|href)=\"https?:", html) == []
    assert "vis.Network" in html


def test_route_html_marks_conditional_edges_dashed() -> None:
    graph = load_graph(TAGGED)
    condition = Condition("StringEquals", "sts:ExternalId", ("x",), Verdict.DEPENDS)
    edge = TrustEdge(ALICE, DEPLOYER, Mechanism.ASSUME_ROLE, conditions=(condition,))

    html = render_routes_html(graph, [Route(nodes=(ALICE, DEPLOYER), edges=(edge,))])

    edges = _dataset(html, "edges")
    assert [(e["from"], e["to"], e["label"], e["dashes"]) for e in edges] == [
        (ALICE, DEPLOYER, "assume_role", True)
    ]


def test_markup_in_names_and_tags_is_escaped_in_the_graph() -> None:
    graph = load_graph(TAGGED)
    edge = TrustEdge(MARKUP_USER, DEPLOYER, Mechanism.ASSUME_ROLE)

    html = render_routes_html(
        graph, [Route(nodes=(MARKUP_USER, DEPLOYER), edges=(edge,))]
    )

    nodes = {n["id"]: n for n in _dataset(html, "nodes")}
    escaped = "&lt;img src=x onerror=alert(1)&gt;"
    assert "<img" not in html
    assert nodes[MARKUP_USER]["label"] == f"user/{escaped}\naws"
    assert f"tag {escaped}: {escaped}" in str(nodes[MARKUP_USER]["title"])
    assert f"tag team: {escaped}" in str(nodes[DEPLOYER]["title"])


def test_short_label_keeps_resource_and_account() -> None:
    assert short_label(ALICE) == "user/alice\n111111111111"
    assert short_label("*") == "*"
