"""Graph stage: turn node-link JSON into batched Cypher writes that any store runs.

A node becomes ``(:Principal:<Kind> {id, ...})`` (containers also get
``:Container``); a trust edge becomes ``-[:<MECHANISM> {mechanism, ...}]->``.
Every admin principal also gets ``-[:HOLDS_ADMIN {reason}]->`` to the one
``(:AdminPower {id: "crosstrust:admin"})`` node, so "shortest route to any
admin" is one shortest-path search per principal in any Cypher engine.
Properties are the node-link record's own, with nested values (tags,
attributes, conditions, evidence) as JSON strings, plus a few flat copies
that the Cypher query pack filters on: ``attr_<name>`` for scalar node
attributes and ``depends_keys`` (lower-case condition keys that the
request must satisfy) on edges. Every node and edge carries ``run_id``.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graph.errors import CrosstrustError
from graph.model import CONTAINER_KINDS, Verdict

NODE_LABEL = "Principal"
CONTAINER_LABEL = "Container"
ADMIN_LABEL = "AdminPower"
ADMIN_ID = "crosstrust:admin"
ADMIN_TYPE = "HOLDS_ADMIN"
DEFAULT_BATCH_SIZE = 2000
PRUNE_BATCH_SIZE = 10000
_CONTAINER_KIND_NAMES = frozenset(str(k) for k in CONTAINER_KINDS)
_NOT_WORD = re.compile(r"[^A-Za-z0-9]+")


class StoreError(CrosstrustError):
    """A graph store refused a connection, a write or a query."""


@dataclass(frozen=True, slots=True)
class PushStatement:
    """One parameterised write and the rows it unwinds (one transaction)."""

    text: str
    rows: tuple[dict[str, Any], ...]
    target: str

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "rows": len(self.rows), "target": self.target}


@dataclass(frozen=True, slots=True)
class PushResult:
    """What a push wrote, and how long it took."""

    run_id: str
    nodes: int
    edges: int
    transactions: int
    pruned_nodes: int = 0
    pruned_edges: int = 0
    seconds: float = 0.0

    @classmethod
    def of(
        cls,
        node_link: Mapping[str, Any],
        run_id: str,
        *,
        transactions: int,
        pruned: tuple[int, int],
        started: float,
    ) -> PushResult:
        """The result of pushing ``node_link``; ``pruned`` is (nodes, edges)."""
        return cls(
            run_id=run_id,
            nodes=len(node_link.get("nodes", [])),
            edges=len(node_link.get("links", [])),
            transactions=transactions,
            pruned_nodes=pruned[0],
            pruned_edges=pruned[1],
            seconds=time.perf_counter() - started,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "nodes": self.nodes,
            "edges": self.edges,
            "transactions": self.transactions,
            "pruned_nodes": self.pruned_nodes,
            "pruned_edges": self.pruned_edges,
            "seconds": round(self.seconds, 3),
        }


def snapshot_run_id(node_link: Mapping[str, Any]) -> str:
    """A run id derived from the graph's content: the same graph, the same id.

    Pushing the same snapshot twice therefore stamps the same id and
    changes nothing; a changed snapshot gets a new id, so ``--prune`` can
    remove what only the older one held.
    """
    basis = json.dumps(
        [node_link.get("nodes", []), node_link.get("links", [])],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(basis.encode()).hexdigest()[:16]


def kind_label(kind: str) -> str:
    """``account_root`` -> ``AccountRoot``: a node kind as a Cypher label."""
    parts = [p for p in _NOT_WORD.split(kind) if p]
    label = "".join(p[:1].upper() + p[1:] for p in parts)
    return label if label and label[0].isalpha() else f"Kind{label}"


def relationship_type(mechanism: str) -> str:
    """``assume_role`` -> ``ASSUME_ROLE``: a mechanism as a relationship type."""
    name = _NOT_WORD.sub("_", mechanism).strip("_").upper()
    return name if name and name[0].isalpha() else f"M_{name}"


def node_labels(kind: str) -> tuple[str, ...]:
    """Labels besides ``Principal`` for a node of ``kind``."""
    if kind in _CONTAINER_KIND_NAMES:
        return (CONTAINER_LABEL, kind_label(kind))
    return (kind_label(kind),)


def node_row(record: Mapping[str, Any], run_id: str) -> dict[str, Any]:
    """One node-link node record as ``{"id", "props"}`` for ``UNWIND``."""
    props = _flat(record)
    attributes = record.get("attributes") or {}
    for key, value in sorted(attributes.items()):
        if isinstance(value, str | bool | int | float):
            props[f"attr_{_NOT_WORD.sub('_', str(key))}"] = value
    props["run_id"] = run_id
    return {"id": str(record["id"]), "props": props}


def edge_row(record: Mapping[str, Any], run_id: str) -> dict[str, Any]:
    """One node-link edge record as ``{"source", "target", "props"}``."""
    props = _flat(record, skip=("source", "target"))
    props["depends_keys"] = sorted(
        {
            str(c.get("key", "")).lower()
            for c in record.get("conditions") or []
            if c.get("verdict") == str(Verdict.DEPENDS)
        }
    )
    props["run_id"] = run_id
    return {
        "source": str(record["source"]),
        "target": str(record["target"]),
        "props": props,
    }


def _flat(record: Mapping[str, Any], skip: Iterable[str] = ()) -> dict[str, Any]:
    # Stores hold scalars and flat lists only: nested values go as JSON text.
    props: dict[str, Any] = {}
    for key, value in record.items():
        if key in skip or value is None:
            continue
        if isinstance(value, str | bool | int | float):
            props[key] = value
        else:
            props[key] = json.dumps(value, sort_keys=True, default=str)
    return props


def node_statement(labels: tuple[str, ...]) -> str:
    """The MERGE that writes one batch of nodes carrying ``labels``."""
    extra = "".join(f":{label}" for label in labels)
    return (
        f"UNWIND $rows AS row "
        f"MERGE (n:{NODE_LABEL} {{id: row.id}}) "
        f"SET n = row.props "
        f"SET n{extra}"
    )


def edge_statement(rel_type: str) -> str:
    """The MERGE that writes one batch of edges of one mechanism."""
    return (
        f"UNWIND $rows AS row "
        f"MATCH (a:{NODE_LABEL} {{id: row.source}}) "
        f"MATCH (b:{NODE_LABEL} {{id: row.target}}) "
        f"MERGE (a)-[r:{rel_type}]->(b) "
        f"SET r = row.props"
    )


def admin_statement() -> str:
    """The MERGE that links one batch of admin principals to the admin power."""
    return (
        f"UNWIND $rows AS row "
        f"MATCH (a:{NODE_LABEL} {{id: row.id}}) "
        f"MERGE (power:{ADMIN_LABEL} {{id: '{ADMIN_ID}'}}) "
        f"MERGE (a)-[r:{ADMIN_TYPE}]->(power) "
        f"SET r = row.props"
    )


PRUNE_EDGES = (
    f"MATCH (:{NODE_LABEL})-[r]->() "
    f"WHERE r.run_id IS NULL OR r.run_id <> $run_id "
    f"WITH r LIMIT {PRUNE_BATCH_SIZE} DELETE r RETURN count(*) AS removed"
)
PRUNE_NODES = (
    f"MATCH (n:{NODE_LABEL}) "
    f"WHERE n.run_id IS NULL OR n.run_id <> $run_id "
    f"WITH n LIMIT {PRUNE_BATCH_SIZE} DETACH DELETE n RETURN count(*) AS removed"
)


def push_statements(
    node_link: Mapping[str, Any],
    run_id: str,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> Iterator[PushStatement]:
    """Every write of a push, nodes before edges, at most ``batch_size`` rows each.

    Examples
    --------
    >>> graph = {"nodes": [{"id": "a", "kind": "role"}], "links": []}
    >>> [s.target for s in push_statements(graph, "r1")]
    ['Principal:Role']
    """
    if batch_size < 1:
        raise ValueError(f"batch size must be positive, got {batch_size}")

    by_labels: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for record in node_link.get("nodes", []):
        labels = node_labels(str(record.get("kind", "")))
        by_labels.setdefault(labels, []).append(node_row(record, run_id))
    for labels, rows in sorted(by_labels.items()):
        text = node_statement(labels)
        target = ":".join((NODE_LABEL, *labels))
        yield from _batches(text, rows, target, batch_size)

    admins = [
        {
            "id": str(record["id"]),
            "props": {"reason": str(record.get("admin_reason", "")), "run_id": run_id},
        }
        for record in node_link.get("nodes", [])
        if record.get("is_admin")
    ]
    yield from _batches(admin_statement(), admins, ADMIN_TYPE, batch_size)

    by_type: dict[str, list[dict[str, Any]]] = {}
    for record in node_link.get("links", []):
        rel_type = relationship_type(str(record["mechanism"]))
        by_type.setdefault(rel_type, []).append(edge_row(record, run_id))
    for rel_type, rows in sorted(by_type.items()):
        yield from _batches(edge_statement(rel_type), rows, rel_type, batch_size)


def _batches(
    text: str,
    rows: list[dict[str, Any]],
    target: str,
    batch_size: int,
) -> Iterator[PushStatement]:
    for start in range(0, len(rows), batch_size):
        chunk = tuple(rows[start : start + batch_size])
        yield PushStatement(text=text, rows=chunk, target=target)
