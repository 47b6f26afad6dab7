"""Graph stage: push a trust graph into Neo4j through the official driver.

Each batch of rows is one write transaction (``session.execute_write``);
the uniqueness constraint on ``Principal.id`` is created first, so every
``MERGE`` is an index lookup and a second push of the same snapshot
changes nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from graph.store.rows import (
    ADMIN_LABEL,
    DEFAULT_BATCH_SIZE,
    NODE_LABEL,
    PRUNE_EDGES,
    PRUNE_NODES,
    PushResult,
    StoreError,
    push_statements,
    snapshot_run_id,
)

logger = logging.getLogger(__name__)

SCHEMA = (
    f"CREATE CONSTRAINT crosstrust_principal_id IF NOT EXISTS "
    f"FOR (n:{NODE_LABEL}) REQUIRE n.id IS UNIQUE",
    f"CREATE CONSTRAINT crosstrust_admin_power_id IF NOT EXISTS "
    f"FOR (n:{ADMIN_LABEL}) REQUIRE n.id IS UNIQUE",
    f"CREATE INDEX crosstrust_principal_run IF NOT EXISTS "
    f"FOR (n:{NODE_LABEL}) ON (n.run_id)",
)


def connect_neo4j(uri: str, user: str | None, password: str | None) -> Any:
    """Open a driver and check that the server answers; raise StoreError if not."""
    import neo4j
    from neo4j.exceptions import Neo4jError, ServiceUnavailable

    auth = (user, password or "") if user else None
    driver = neo4j.GraphDatabase.driver(uri, auth=auth)
    try:
        driver.verify_connectivity()
    except (ServiceUnavailable, Neo4jError, OSError) as exc:
        driver.close()
        raise StoreError(f"cannot reach Neo4j at {uri}: {exc}") from exc
    return driver


def _run_write(tx: Any, text: str, params: Mapping[str, Any]) -> None:
    tx.run(text, dict(params)).consume()


def _run_count(tx: Any, text: str, params: Mapping[str, Any]) -> int:
    counts = [int(record[0]) for record in tx.run(text, dict(params))]
    return sum(counts)


def push_neo4j(
    node_link: Mapping[str, Any],
    driver: Any,
    *,
    database: str | None = None,
    run_id: str | None = None,
    prune: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> PushResult:
    """Write a graph's node-link JSON into Neo4j; idempotent per ``run_id``.

    Parameters
    ----------
    node_link
        ``TrustGraph.to_node_link()`` output.
    driver
        A ``neo4j.Driver`` (see :func:`connect_neo4j`).
    database
        Target database; the server default when None.
    run_id
        Stamped on every node and edge; defaults to a hash of the content.
    prune
        Afterwards, delete nodes and edges stamped with another run id.
    batch_size
        Rows per write transaction.

    Returns
    -------
    PushResult
        Counts, transactions and seconds.
    """
    run_id = run_id or snapshot_run_id(node_link)
    started = time.perf_counter()
    transactions = 0

    with driver.session(database=database) as session:
        for text in SCHEMA:
            session.run(text).consume()
        for statement in push_statements(node_link, run_id, batch_size=batch_size):
            session.execute_write(_run_write, statement.text, {"rows": statement.rows})
            transactions += 1
            logger.debug("wrote %d rows of %s", len(statement.rows), statement.target)
        pruned_edges = pruned_nodes = 0
        if prune:
            pruned_edges = _prune(session, PRUNE_EDGES, run_id)
            pruned_nodes = _prune(session, PRUNE_NODES, run_id)

    result = PushResult.of(
        node_link,
        run_id,
        transactions=transactions,
        pruned=(pruned_nodes, pruned_edges),
        started=started,
    )
    logger.info("pushed run %s to Neo4j: %s", run_id, result.to_json())
    return result


def _prune(session: Any, text: str, run_id: str) -> int:
    # Delete in bounded transactions until nothing of another run is left.
    total = 0
    while True:
        removed = int(session.execute_write(_run_count, text, {"run_id": run_id}))
        total += removed
        if removed == 0:
            return total


def query_neo4j(
    driver: Any,
    text: str,
    params: Mapping[str, Any],
    *,
    database: str | None = None,
) -> list[dict[str, Any]]:
    """Run one read query; each record as a dict of its columns."""
    from neo4j.exceptions import Neo4jError

    try:
        with driver.session(database=database) as session:
            return [record.data() for record in session.run(text, dict(params))]
    except Neo4jError as exc:
        raise StoreError(f"Neo4j refused the query: {exc}") from exc
