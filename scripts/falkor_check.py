"""Push node-link graphs into an embedded FalkorDB and answer the Cypher pack there.

Runs in the Python 3.12 venv that ``scripts/falkor_env.sh`` creates
(falkordblite embeds a real FalkorDB server). Reads a job file::

    {"graphs": {"NAME": {"graph": "a.json", "successor": "b.json",
                         "questions": [["who_can_reach", {"target": "..."}]]}},
     "probes": {"NAME": ["MATCH ...", {"param": "value"}]}}

and writes, per graph name (one FalkorDB graph each, one server for all):
push results, the stored content after the first and the second push of
the same graph (equal when the push is idempotent), the rows of every
question, and, when ``successor`` is given, the stored content after
pushing it with ``prune``; under ``probes``, the error FalkorDB gave for
each probe statement (null when it ran), on the first graph.

Usage: falkor_check.py JOB.json OUT.json
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.store.falkor import push_falkor, query_falkor  # noqa: E402
from queries.cypher import load_query  # noqa: E402
from tests.queries.pack_cases import CONTENT_QUERIES  # noqa: E402


def _content(graph: Any) -> dict[str, Any]:
    content = {
        part: query_falkor(graph, text, {}) for part, text in CONTENT_QUERIES.items()
    }
    for part in content.values():
        for row in part:
            row["props"] = dict(row["props"])
            if "labels" in row:
                row["labels"] = sorted(row["labels"])
    return content


def _error(graph: Any, text: str, params: dict[str, Any]) -> str | None:
    from redis.exceptions import ResponseError

    try:
        graph.ro_query(text, params or None)
    except ResponseError as exc:
        return str(exc)
    return None


def run(job: dict[str, Any]) -> dict[str, Any]:
    from redislite.falkordb_client import FalkorDB

    with tempfile.TemporaryDirectory() as folder:
        # The client's default socket timeout is seconds; a timed-out query
        # is retried while the server still runs it, and the retries pile up.
        db = FalkorDB(str(Path(folder) / "falkor.db"), socket_timeout=600)
        try:
            out = {
                name: check_graph(db.select_graph(name), task)
                for name, task in job["graphs"].items()
            }
            first = db.select_graph(next(iter(job["graphs"])))
            out["probes"] = {
                name: _error(first, text, params)
                for name, (text, params) in job.get("probes", {}).items()
            }
            return out
        finally:
            db.close()


def check_graph(graph: Any, job: dict[str, Any]) -> dict[str, Any]:
    node_link = json.loads(Path(job["graph"]).read_text(encoding="utf-8"))
    first = push_falkor(node_link, graph, batch_size=job.get("batch_size", 2000))
    before = _content(graph)
    second = push_falkor(node_link, graph)
    after = _content(graph)

    answers = []
    for name, params in job.get("questions", []):
        query = load_query(name)
        started = time.perf_counter()
        rows = query_falkor(graph, query.text, query.bind(params))
        seconds = round(time.perf_counter() - started, 4)
        answers.append(
            {"name": name, "params": params, "rows": rows, "seconds": seconds}
        )
    out: dict[str, Any] = {
        "push": first.to_json(),
        "repush": second.to_json(),
        "content_before": before,
        "content_after": after,
        "answers": answers,
    }

    if job.get("successor"):
        successor = json.loads(Path(job["successor"]).read_text(encoding="utf-8"))
        out["successor_push"] = push_falkor(successor, graph, prune=True).to_json()
        out["successor_content"] = _content(graph)
    return out


def main(argv: list[str]) -> int:
    job_path, out_path = argv
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    result = run(job)
    Path(out_path).write_text(
        json.dumps(result, indent=1, default=str), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
