"""Query stage: the built-in (networkx) answer to each question of the Cypher pack.

:func:`networkx_rows` answers a pack question over a :class:`TrustGraph`
in the row shape the Cypher returns; :func:`comparable` reduces rows of
either origin to what must be equal between engines (routes may differ
where several shortest ones exist, so routes compare by source and
length, and are checked to be real routes separately).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graph.trustgraph import TrustGraph
from queries.cypher import load_query
from queries.findings import RULES, RuleOptions
from queries.paths import principals_reaching_admin, reachable_from, who_can_reach

PRINCIPAL_QUERIES = frozenset({"who_can_reach", "reachable_from"})


def networkx_rows(
    graph: TrustGraph,
    name: str,
    params: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Answer pack question ``name`` with the built-in queries."""
    import queries.rules  # noqa: F401  (registers the rule modules)

    query = load_query(name)
    params = query.bind(dict(params or {}))
    if name == "routes_to_admin":
        return [
            {
                "source": source,
                "nodes": list(route.nodes),
                "mechanisms": [str(e.mechanism) for e in route.edges],
                "hops": len(route),
            }
            for source, route in sorted(principals_reaching_admin(graph).items())
        ]
    if name == "who_can_reach":
        return [
            {"principal": p} for p in sorted(who_can_reach(graph, params["target"]))
        ]
    if name == "reachable_from":
        found = reachable_from(graph, params["source"])
        return [{"principal": p} for p in sorted(found)]
    findings = RULES[query.rule](graph, RuleOptions())
    pairs = sorted({(f.path[0], f.path[1]) for f in findings})
    return [{"source": source, "target": target} for source, target in pairs]


def comparable(name: str, rows: Iterable[Mapping[str, Any]]) -> list[list[Any]]:
    """The part of a question's rows that two engines must agree on, sorted."""
    if name == "routes_to_admin":
        return sorted([row["source"], int(row["hops"])] for row in rows)
    if name in PRINCIPAL_QUERIES:
        return sorted([row["principal"]] for row in rows)
    pairs = {(str(row["source"]), str(row["target"])) for row in rows}
    return [[source, target] for source, target in sorted(pairs)]


def route_problems(graph: TrustGraph, rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Why ``routes_to_admin`` rows are not real routes to an admin (empty: all are)."""
    problems = []
    for row in rows:
        nodes = list(row["nodes"])
        if nodes[0] != row["source"] or not graph.is_admin(nodes[-1]):
            problems.append(f"{row['source']}: route {nodes} does not end at an admin")
        for source, target, mechanism in zip(
            nodes, nodes[1:], row.get("mechanisms") or [], strict=False
        ):
            if not graph.nx.has_edge(source, target, key=mechanism):
                problems.append(
                    f"{row['source']}: no {mechanism} edge {source} -> {target}"
                )
    return problems
