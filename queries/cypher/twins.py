"""Query stage: the built-in (networkx) answer to each question of the Cypher pack.

:func:`networkx_rows` answers a pack question over a :class:`TrustGraph`
in the row shape the Cypher returns; :func:`comparable` reduces rows of
either origin to what must be equal between engines (routes may differ
where several shortest ones exist, so routes compare by source and
length, and are checked to be real routes separately). Rule questions
compare with the rule's findings about trust edges; findings made from
document-level notes (:class:`graph.model.PolicyNote`) have no edge and
are not stored, so no Cypher can list them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graph.trustgraph import TrustGraph
from queries.cypher import load_query
from queries.findings import RULES, RuleOptions
from queries.paths import (
    Route,
    principals_reaching_admin,
    reachable_from,
    routes_between,
    who_can_reach,
)
from queries.register import external_trust_register

PRINCIPAL_QUERIES = frozenset({"who_can_reach", "reachable_from"})
ROUTE_QUERIES = frozenset({"routes_to_admin", "route_between"})


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
        routes = sorted(principals_reaching_admin(graph).items())
        return [_route_row(route) for _, route in routes]
    if name == "route_between":
        shortest = routes_between(graph, params["source"], params["target"], limit=1)
        return [_route_row(route) for route in shortest]
    if name == "external_trust_register":
        return [
            {"party": t.party, "target": t.target, "mechanism": t.mechanism}
            for t in external_trust_register(graph)
        ]
    if name == "who_can_reach":
        return [
            {"principal": p} for p in sorted(who_can_reach(graph, params["target"]))
        ]
    if name == "reachable_from":
        reached = reachable_from(graph, params["source"])
        return [{"principal": p} for p in sorted(reached)]
    # Findings read off trust edges; document-level notes (PolicyNote) are
    # not part of the stored graph, so the pack cannot list them.
    findings = RULES[query.rule](graph, RuleOptions())
    pairs = sorted({(e.source, e.target) for f in findings for e in f.edges})
    return [{"source": source, "target": target} for source, target in pairs]


def _route_row(route: Route) -> dict[str, Any]:
    return {
        "source": route.nodes[0],
        "nodes": list(route.nodes),
        "mechanisms": [str(e.mechanism) for e in route.edges],
        "hops": len(route),
    }


def comparable(name: str, rows: Iterable[Mapping[str, Any]]) -> list[list[Any]]:
    """The part of a question's rows that two engines must agree on, sorted."""
    if name in ROUTE_QUERIES:
        return sorted([row["source"], int(row["hops"])] for row in rows)
    if name == "external_trust_register":
        return sorted([row["party"], row["target"], row["mechanism"]] for row in rows)
    if name in PRINCIPAL_QUERIES:
        return sorted([row["principal"]] for row in rows)
    pairs = {(str(row["source"]), str(row["target"])) for row in rows}
    return [[source, target] for source, target in sorted(pairs)]


def route_problems(
    graph: TrustGraph,
    rows: Iterable[Mapping[str, Any]],
    target: str | None = None,
) -> list[str]:
    """Why route rows are not real routes to ``target`` (or to an admin when None).

    Empty when every row is a real route.
    """
    problems = []
    for row in rows:
        nodes = list(row["nodes"])
        ends = nodes[-1] == target if target else graph.is_admin(nodes[-1])
        if nodes[0] != row["source"] or not ends:
            problems.append(f"{row['source']}: route {nodes} ends elsewhere")
        steps = zip(nodes, nodes[1:], row.get("mechanisms") or [], strict=False)
        for step_from, step_to, mechanism in steps:
            if not graph.nx.has_edge(step_from, step_to, key=mechanism):
                problems.append(
                    f"{row['source']}: no {mechanism} edge {step_from} -> {step_to}"
                )
    return problems
