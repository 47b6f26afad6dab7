"""Report history: one transaction per run, flattened KPIs, trend diffs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import reports.history as history
from reports.document import ReportDocument
from reports.history import (
    HistoryError,
    flatten,
    load_trend,
    record_run,
    render_trend_table,
)
from tests.reports.conftest import make_document


def test_flatten_keeps_numbers_only() -> None:
    kpis = {"a": 1, "b": {"c": 0.5, "d": None, "e": [1, 2]}, "f": True}

    assert dict(flatten(kpis)) == {"a": 1.0, "b.c": 0.5, "f": 1.0}


def test_runs_and_fingerprints_are_stored(tmp_path: Path, document: ReportDocument):
    database = tmp_path / "h.db"

    first = record_run(database, document)
    second = record_run(database, document)

    with sqlite3.connect(database) as connection:
        counts = connection.execute(
            "SELECT run_id, count(*) FROM run_findings GROUP BY run_id"
        ).fetchall()
        route = connection.execute(
            "SELECT value FROM run_kpis WHERE run_id = ? AND name = ?",
            (second, "principals_with_route_to_admin"),
        ).fetchone()
    assert (first, second) == (1, 2)
    assert counts == [(1, 10), (2, 10)]
    assert route == (2.0,)


def test_a_failed_run_leaves_nothing(tmp_path: Path, document, monkeypatch) -> None:
    database = tmp_path / "h.db"
    monkeypatch.setattr(history, "run_kpis", lambda doc: {None: 1.0})

    with pytest.raises(HistoryError, match="cannot record the run"):
        record_run(database, document)

    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM runs").fetchone() == (0,)


def test_trend_counts_appeared_and_gone(tmp_path: Path, graph) -> None:
    database = tmp_path / "h.db"
    full = make_document(graph=graph)
    fewer = make_document(graph=graph, findings=full.findings[2:])
    for document in (full, fewer, full):
        record_run(database, document)

    rows = load_trend(database, last=2)

    assert [(r.run_id, r.appeared, r.gone) for r in rows] == [(2, 0, 2), (3, 2, 0)]
    assert rows[0].values["changes.findings"] == 8.0
    table = render_trend_table(rows)
    assert "+2/-0" in table and "50%" in table


def test_empty_trend() -> None:
    assert "no runs recorded" in render_trend_table([])
