"""Every Cypher statement crosstrust sends passes Neo4j's own parser and checks.

No Neo4j server can be installed here, so this runs Neo4j's front end as
shipped in ``@neo4j-cypher/language-support`` (``scripts/neo4j_lint``,
installed with ``npm ci --prefix scripts/neo4j_lint``) over the query pack
and every push statement. Answers are proved on FalkorDB (test_cypher.py)
and, when configured, on a real Neo4j (tests/graph/store/test_neo4j_live.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any

import pytest

from graph.store.neo4j import SCHEMA
from graph.store.rows import PRUNE_EDGES, PRUNE_NODES, push_statements
from queries.cypher import load_query, query_names
from tests.queries.pack_cases import NEO4J_ONLY, ROOT
from tests.queries.synthetic_org import synthetic_org

LINTER = ROOT / "scripts" / "neo4j_lint"
UNBOUNDED = "Using shortest path with an unbounded pattern"
# Statements Neo4j rejects: the linter must report each (it is not a no-op).
WRONG = [
    {"name": "wrong: undefined", "text": "MATCH (a) RETURN b", "params": []},
    {"name": "wrong: function", "text": "RETURN nosuch(1)", "params": []},
    {"name": "wrong: param", "text": "RETURN $x", "params": []},
]


def _statements() -> list[dict[str, Any]]:
    found = [
        {"name": name, "text": load_query(name).text, "params": load_query(name).params}
        for name in query_names()
    ]
    found += [{"name": "schema", "text": text, "params": []} for text in SCHEMA]
    found += [
        {"name": "prune", "text": text, "params": ["run_id"]}
        for text in (PRUNE_EDGES, PRUNE_NODES)
    ]
    # Push statements differ only in their label or type: one of each shape.
    shapes: dict[str, Any] = {}
    for statement in push_statements(synthetic_org().to_node_link(), "r"):
        shape = "container" if ":Container" in statement.text else statement.text[:40]
        shapes.setdefault(shape, statement)
    found += [
        {"name": f"push {s.target}", "text": s.text, "params": ["rows"]}
        for s in shapes.values()
    ]
    found += [
        {"name": f"neo4j-only: {name}", "text": text, "params": ["id"]}
        for name, (text, _) in NEO4J_ONLY.items()
    ]
    return found


@pytest.fixture(scope="module")
def diagnostics() -> list[dict[str, Any]]:
    node = shutil.which("node")
    if node is None or not (LINTER / "node_modules").is_dir():
        reason = "Neo4j front end not installed: npm ci --prefix scripts/neo4j_lint"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    done = subprocess.run(
        [node, str(LINTER / "lint.mjs")],
        input=json.dumps([*_statements(), *WRONG]),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return list(json.loads(done.stdout))


def test_statements_cover_pack_schema_prune_and_every_push_shape() -> None:
    names = [s["name"] for s in _statements()]

    assert set(query_names()) <= set(names)
    assert {"schema", "prune"} <= set(names)
    assert sum(n.startswith("neo4j-only: ") for n in names) == len(NEO4J_ONLY)
    assert "push Principal:Container:AwsAccount" in names
    assert sum(n.startswith("push ") for n in names) == 3


def _ours(diagnostics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    others = ("wrong: ", "neo4j-only: ")
    return [d for d in diagnostics if not d["name"].startswith(others)]


def test_neo4j_accepts_what_falkordb_rejects(diagnostics: list[dict[str, Any]]) -> None:
    probes = [d for d in diagnostics if d["name"].startswith("neo4j-only: ")]

    assert [d for d in probes if d["severity"] == 1] == []


def test_neo4j_finds_no_error(diagnostics: list[dict[str, Any]]) -> None:
    assert [d for d in _ours(diagnostics) if d["severity"] == 1] == []


def test_only_warning_is_the_deliberate_unbounded_shortest_path(
    diagnostics: list[dict[str, Any]],
) -> None:
    warned = {d["name"] for d in _ours(diagnostics) if d["severity"] != 1}

    assert all(d["message"].startswith(UNBOUNDED) for d in _ours(diagnostics))
    assert warned == {
        "routes_to_admin",
        "route_between",
        "who_can_reach",
        "reachable_from",
    }


def test_linter_reports_what_neo4j_rejects(diagnostics: list[dict[str, Any]]) -> None:
    errors = {d["name"] for d in diagnostics if d["severity"] == 1}

    assert {w["name"] for w in WRONG} <= errors
