"""Push and the Cypher pack against a real Neo4j, when one is configured.

Set ``CROSSTRUST_NEO4J_URI`` (and ``CROSSTRUST_NEO4J_USER`` /
``CROSSTRUST_NEO4J_PASSWORD``, optionally ``CROSSTRUST_NEO4J_DATABASE``)
to run it. The test deletes every ``:Principal`` node of that database
first: point it at a throwaway one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from crosstrust import load_graph
from crosstrust.cli import main
from graph.store.neo4j import connect_neo4j, push_neo4j, query_neo4j
from graph.trustgraph import TrustGraph
from queries.cypher import load_query
from queries.cypher.twins import comparable, networkx_rows, route_problems
from tests.queries.pack_cases import (
    CONTENT_QUERIES,
    expected_content,
    questions,
    sample_inputs,
    successor_of,
)
from tests.queries.synthetic_org import synthetic_org

URI = os.environ.get("CROSSTRUST_NEO4J_URI", "")
DATABASE = os.environ.get("CROSSTRUST_NEO4J_DATABASE") or None

pytestmark = pytest.mark.skipif(
    not URI,
    reason="no Neo4j configured: set CROSSTRUST_NEO4J_URI "
    "(+ CROSSTRUST_NEO4J_USER/_PASSWORD) to run against a real server",
)


@pytest.fixture
def driver() -> Iterator[Any]:
    user = os.environ.get("CROSSTRUST_NEO4J_USER")
    password = os.environ.get("CROSSTRUST_NEO4J_PASSWORD")
    handle = connect_neo4j(URI, user, password)
    _clear(handle)
    yield handle
    _clear(handle)
    handle.close()


def _clear(driver: Any) -> None:
    with driver.session(database=DATABASE) as session:
        session.run("MATCH (n:Principal) DETACH DELETE n").consume()


def _content(driver: Any) -> dict[str, Any]:
    content = {
        part: query_neo4j(driver, text, {}, database=DATABASE)
        for part, text in CONTENT_QUERIES.items()
    }
    for row in content["nodes"]:
        row["labels"] = sorted(row["labels"])
    return content


def _graphs() -> list[tuple[str, TrustGraph]]:
    return [("synthetic", synthetic_org()), ("sample", load_graph(*sample_inputs()))]


@pytest.mark.parametrize(("name", "graph"), _graphs() if URI else [])
def test_push_is_the_node_link_and_idempotent(
    name: str, graph: TrustGraph, driver: Any
) -> None:
    node_link = graph.to_node_link()

    first = push_neo4j(node_link, driver, database=DATABASE, batch_size=7)
    before = _content(driver)
    second = push_neo4j(node_link, driver, database=DATABASE)

    assert before == expected_content(node_link, first.run_id)
    assert _content(driver) == before
    assert second.run_id == first.run_id


@pytest.mark.parametrize(("name", "graph"), _graphs() if URI else [])
def test_pack_answers_equal_networkx(name: str, graph: TrustGraph, driver: Any) -> None:
    push_neo4j(graph.to_node_link(), driver, database=DATABASE)

    for question, params in questions(graph):
        query = load_query(question)
        rows = query_neo4j(driver, query.text, query.bind(params), database=DATABASE)
        expected = comparable(question, networkx_rows(graph, question, params))
        assert comparable(question, rows) == expected, (question, params)
        if question == "routes_to_admin":
            assert route_problems(graph, rows) == []
        if question == "route_between":
            assert route_problems(graph, rows, params["target"]) == []


def test_prune_leaves_exactly_the_successor(driver: Any) -> None:
    node_link = synthetic_org().to_node_link()
    successor = successor_of(node_link)

    push_neo4j(node_link, driver, database=DATABASE)
    result = push_neo4j(successor, driver, database=DATABASE, prune=True)

    assert _content(driver) == expected_content(successor, result.run_id)
    assert result.pruned_nodes == 2


def test_cli_push_then_query(driver: Any) -> None:
    env = {
        "NEO4J_URI": URI,
        "NEO4J_USER": os.environ.get("CROSSTRUST_NEO4J_USER", ""),
        "NEO4J_PASSWORD": os.environ.get("CROSSTRUST_NEO4J_PASSWORD", ""),
    }
    database = ["--database", DATABASE] if DATABASE else []
    inputs = [str(p) for p in sample_inputs()]
    graph = load_graph(*inputs)

    pushed = CliRunner().invoke(main, ["neo4j", "push", *inputs, *database], env=env)
    asked = CliRunner().invoke(
        main, ["neo4j", "query", "routes_to_admin", *database], env=env
    )

    assert pushed.exit_code == 0, pushed.output
    assert json.loads(pushed.stdout)["nodes"] == len(graph)
    assert asked.exit_code == 0, asked.output
    rows = json.loads(asked.stdout)["rows"]
    assert comparable("routes_to_admin", rows) == comparable(
        "routes_to_admin", networkx_rows(graph, "routes_to_admin")
    )
