"""Graph stage: push a trust graph into FalkorDB through its own client.

The same statements as the Neo4j push (:mod:`graph.store.rows`); each
``GRAPH.QUERY`` is atomic in FalkorDB, so one batch is one transaction.
``graph`` below is a ``falkordb.Graph`` (``FalkorDB(...).select_graph(name)``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from graph.store.rows import (
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


def ensure_schema_falkor(graph: Any) -> None:
    """Index ``Principal.id`` and make it unique (both kept if present)."""
    from redis.exceptions import ResponseError

    try:
        graph.query(f"CREATE INDEX FOR (n:{NODE_LABEL}) ON (n.id)")
    except ResponseError as exc:
        if "already indexed" not in str(exc):
            raise StoreError(f"FalkorDB graph {graph.name}: {exc}") from exc
    try:
        graph.create_node_unique_constraint(NODE_LABEL, "id")
    except ResponseError as exc:
        if "already exists" not in str(exc):
            raise StoreError(f"FalkorDB graph {graph.name}: {exc}") from exc


def push_falkor(
    node_link: Mapping[str, Any],
    graph: Any,
    *,
    run_id: str | None = None,
    prune: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> PushResult:
    """Write a graph's node-link JSON into a FalkorDB graph; idempotent per run.

    Parameters and result as :func:`graph.store.neo4j.push_neo4j`.
    """
    run_id = run_id or snapshot_run_id(node_link)
    started = time.perf_counter()
    ensure_schema_falkor(graph)

    transactions = 0
    for statement in push_statements(node_link, run_id, batch_size=batch_size):
        graph.query(statement.text, {"rows": list(statement.rows)})
        transactions += 1
        logger.debug("wrote %d rows of %s", len(statement.rows), statement.target)

    pruned_edges = pruned_nodes = 0
    if prune:
        pruned_edges = _prune(graph, PRUNE_EDGES, run_id)
        pruned_nodes = _prune(graph, PRUNE_NODES, run_id)

    result = PushResult.of(
        node_link,
        run_id,
        transactions=transactions,
        pruned=(pruned_nodes, pruned_edges),
        started=started,
    )
    logger.info("pushed run %s to FalkorDB: %s", run_id, result.to_json())
    return result


def _prune(graph: Any, text: str, run_id: str) -> int:
    total = 0
    while True:
        removed = int(graph.query(text, {"run_id": run_id}).result_set[0][0])
        total += removed
        if removed == 0:
            return total


def query_falkor(
    graph: Any,
    text: str,
    params: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """Run one read query; each row as a dict keyed by the RETURN names."""
    result = graph.ro_query(text, dict(params) or None)
    names = [column[1] for column in result.header]
    return [dict(zip(names, row, strict=True)) for row in result.result_set]
