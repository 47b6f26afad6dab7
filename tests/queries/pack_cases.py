"""Test helpers shared by the Cypher pack checks on FalkorDB and on Neo4j."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graph.store.rows import edge_row, node_labels, node_row, relationship_type
from graph.trustgraph import TrustGraph

ROOT = Path(__file__).resolve().parents[2]
# Cypher that Neo4j accepts and FalkorDB rejects (with the fragment of its
# error): the pack is written without any of it.
NEO4J_ONLY = {
    "shortestPath in MATCH": (
        "MATCH (a:Principal {id: $id}) MATCH (b:AdminPower) "
        "MATCH route = shortestPath((a)-[*]->(b)) RETURN length(route) AS hops",
        "only supports shortestPaths in WITH or RETURN",
    ),
    "SHORTEST k": (
        "MATCH route = SHORTEST 1 (:Principal {id: $id})-->+(:AdminPower) "
        "RETURN length(route) AS hops",
        "Invalid input",
    ),
    "EXISTS subquery": (
        "MATCH (a:Principal) WHERE EXISTS { MATCH (a)-->(:AdminPower) } "
        "RETURN a.id AS id",
        "Invalid input",
    ),
    "COLLECT subquery": (
        "MATCH (a:Principal) RETURN COLLECT { MATCH (a)-->(b) RETURN b.id } AS ids",
        "Invalid input",
    ),
    "elementId": (
        "MATCH (a:Principal {id: $id}) RETURN elementId(a) AS element",
        "Unknown function 'elementId'",
    ),
}
# What a push stored, read back in the shape of expected_content().
CONTENT_QUERIES = {
    "nodes": (
        "MATCH (n:Principal) RETURN n.id AS id, labels(n) AS labels, "
        "properties(n) AS props ORDER BY id"
    ),
    "edges": (
        "MATCH (a:Principal)-[r]->(b:Principal) RETURN a.id AS source, "
        "type(r) AS type, b.id AS target, properties(r) AS props "
        "ORDER BY source, type, target"
    ),
    "admins": (
        "MATCH (a:Principal)-[r:HOLDS_ADMIN]->(:AdminPower) "
        "RETURN a.id AS id, properties(r) AS props ORDER BY id"
    ),
}
PACK = {
    "broad_principal",
    "cross_account",
    "external_no_external_id",
    "external_trust_register",
    "oidc_broad_subject",
    "oidc_unrestricted_subject",
    "reachable_from",
    "route_between",
    "routes_to_admin",
    "service_confused_deputy",
    "who_can_reach",
}


def sample_inputs() -> list[Path]:
    """The bundled AWS sample, or the shared corpus until the sample lands."""
    bundled = ROOT / "sample_data" / "aws"
    if any(bundled.glob("**/*.json")):
        return [bundled]
    for corpus in (
        ROOT.parent / "shared" / "corpus" / "aws",
        Path("/work/shared/corpus/aws"),
    ):
        files = sorted(corpus.glob("*.json"))
        if files:
            return files
    return []


def questions(graph: TrustGraph) -> list[list[Any]]:
    """Every pack question, with parameters drawn from the graph.

    who_can_reach for each admin; reachable_from for the six principals
    with the most trust edges; route_between from each of those to each
    admin (many pairs have no route, which must be equal too).
    """
    with_params = {"who_can_reach", "reachable_from", "route_between"}
    plain = [[name, {}] for name in sorted(PACK - with_params)]
    admins = sorted(graph.admins())
    targets = [["who_can_reach", {"target": a}] for a in admins]
    sources = sorted(graph.nx.nodes, key=lambda n: (-graph.nx.out_degree(n), n))[:6]
    reach = [["reachable_from", {"source": s}] for s in sources]
    pairs = [
        ["route_between", {"source": s, "target": a}]
        for s in sources
        for a in admins
        if s != a
    ]
    return plain + targets + reach + pairs


def successor_of(node_link: dict[str, Any]) -> dict[str, Any]:
    """A later snapshot: two principals gone, one renamed."""
    gone = {node["id"] for node in node_link["nodes"][-2:]}
    nodes = [dict(n) for n in node_link["nodes"] if n["id"] not in gone]
    nodes[0]["name"] = "renamed"
    links = [
        link
        for link in node_link["links"]
        if link["source"] not in gone and link["target"] not in gone
    ]
    return {**node_link, "nodes": nodes, "links": links}


def expected_content(node_link: dict[str, Any], run_id: str) -> dict[str, Any]:
    nodes = [
        {
            "id": n["id"],
            "labels": sorted(["Principal", *node_labels(n["kind"])]),
            "props": node_row(n, run_id)["props"],
        }
        for n in sorted(node_link["nodes"], key=lambda n: n["id"])
    ]
    edges = sorted(
        (
            {
                "source": e["source"],
                "type": relationship_type(e["mechanism"]),
                "target": e["target"],
                "props": edge_row(e, run_id)["props"],
            }
            for e in node_link["links"]
        ),
        key=lambda e: (e["source"], e["type"], e["target"]),
    )
    admins = [
        {"id": n["id"], "props": {"reason": n["admin_reason"], "run_id": run_id}}
        for n in sorted(node_link["nodes"], key=lambda n: n["id"])
        if n["is_admin"]
    ]
    return {"nodes": nodes, "edges": edges, "admins": admins}
