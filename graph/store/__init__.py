"""Graph stage: write a built trust graph into a graph database (Neo4j, FalkorDB)."""

from graph.store.rows import PushResult, PushStatement, push_statements, snapshot_run_id

__all__ = ["PushResult", "PushStatement", "push_statements", "snapshot_run_id"]
