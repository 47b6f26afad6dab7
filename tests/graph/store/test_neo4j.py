"""The Neo4j push's transactions, with a recording driver (batching only, no answers).

Answers are proved on real engines: tests/queries/test_cypher.py (FalkorDB)
and tests/graph/store/test_neo4j_live.py (Neo4j, when one is configured).
"""

from __future__ import annotations

import math
from collections import Counter

import pytest

from graph.store.neo4j import SCHEMA, push_neo4j
from graph.store.rows import relationship_type
from tests.graph.store.recording_driver import RecordingDriver
from tests.queries.synthetic_org import synthetic_org


@pytest.mark.parametrize("batch_size", [1, 7, 2000])
def test_each_transaction_writes_at_most_one_batch(batch_size: int) -> None:
    node_link = synthetic_org().to_node_link()
    driver = RecordingDriver()

    result = push_neo4j(node_link, driver, batch_size=batch_size, database="trust")

    kinds = Counter(n["kind"] for n in node_link["nodes"])
    types = Counter(relationship_type(e["mechanism"]) for e in node_link["links"])
    admins = sum(bool(n["is_admin"]) for n in node_link["nodes"])
    groups = (*kinds.values(), *types.values(), admins)
    expected = sum(math.ceil(count / batch_size) for count in groups)
    assert result.transactions == len(driver.transactions) == expected
    assert all(len(tx) == 1 for tx in driver.transactions)
    assert all(len(tx[0][1]["rows"]) <= batch_size for tx in driver.transactions)
    assert driver.databases == ["trust"]


def test_schema_comes_first_and_writes_only_merge() -> None:
    driver = RecordingDriver()

    push_neo4j(synthetic_org().to_node_link(), driver)

    assert driver.auto_commit == list(SCHEMA)
    assert "REQUIRE n.id IS UNIQUE" in SCHEMA[0]
    texts = {tx[0][0] for tx in driver.transactions}
    assert all(t.startswith("UNWIND $rows AS row ") for t in texts)
    assert all("MERGE" in t and "CREATE" not in t for t in texts)
    assert "MERGE (a)-[r:ASSUME_ROLE]->(b) SET r = row.props" in " ".join(texts)
    assert "MERGE (a)-[r:HOLDS_ADMIN]->(power) SET r = row.props" in " ".join(texts)


def test_same_graph_same_rows_so_a_second_push_changes_nothing() -> None:
    first, second = RecordingDriver(), RecordingDriver()

    one = push_neo4j(synthetic_org().to_node_link(), first)
    two = push_neo4j(synthetic_org().to_node_link(), second)

    assert one.run_id == two.run_id
    assert first.transactions == second.transactions
    stamped = {
        row["props"]["run_id"] for tx in first.transactions for row in tx[0][1]["rows"]
    }
    assert stamped == {one.run_id}


def test_prune_repeats_until_nothing_of_other_runs_is_left() -> None:
    driver = RecordingDriver(prune_counts=[10000, 4, 0, 3, 0])

    result = push_neo4j(
        synthetic_org().to_node_link(),
        driver,
        run_id="new",
        prune=True,
    )

    prunes = [tx[0] for tx in driver.transactions if "removed" in tx[0][0]]
    assert (result.pruned_edges, result.pruned_nodes) == (10004, 3)
    assert [p[1] for p in prunes] == [{"run_id": "new"}] * 5
    assert driver.prune_counts == []
