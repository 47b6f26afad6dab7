"""History reader: KPI series from unknown table layouts, or a reason why not."""

from __future__ import annotations

import json
import sqlite3
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import pytest

from crosstrust.explorer.trends import default_columns, read_any_layout, read_trends


def _db(path: Path, *statements: str) -> Path:
    with sqlite3.connect(path) as db:
        for statement in statements:
            db.execute(statement)
    return path


def test_numeric_columns_become_series(tmp_path: Path) -> None:
    path = _db(
        tmp_path / "h.db",
        "CREATE TABLE runs (id INT, generated_at TEXT, findings INT, label TEXT)",
        "INSERT INTO runs VALUES (2, '2026-11-08', 7, 'b')",
        "INSERT INTO runs VALUES (1, '2026-11-01', 9, 'a')",
    )

    trends = read_any_layout(path)

    assert trends.frame is not None
    assert list(trends.frame.columns) == ["findings"]
    assert list(trends.frame["findings"]) == [9, 7]


def test_nested_kpi_json_is_flattened(tmp_path: Path) -> None:
    kpis = {"admins": 2, "route_to_admin": {"human": 1, "non_human": 3}, "ok": True}
    path = _db(
        tmp_path / "h.db",
        "CREATE TABLE history (run_at TEXT, kpis TEXT)",
        f"INSERT INTO history VALUES ('2026-11-01T00:00:00Z', '{json.dumps(kpis)}')",
    )

    trends = read_any_layout(path)

    assert trends.frame is not None
    assert trends.frame.iloc[0].to_dict() == {
        "admins": 2.0,
        "route_to_admin.human": 1.0,
        "route_to_admin.non_human": 3.0,
    }


def test_missing_and_unusable_files_give_reasons(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not sqlite at all, just text" * 10)
    empty = _db(tmp_path / "e.db", "CREATE TABLE notes (body TEXT)")

    missing = read_any_layout(tmp_path / "absent.db")
    broken = read_any_layout(junk)
    unusable = read_any_layout(empty)

    assert (missing.frame, broken.frame, unusable.frame) == (None, None, None)
    assert missing.reason == f"{tmp_path / 'absent.db'}: no such history file"
    assert broken.reason.startswith(f"{junk}: not a readable SQLite file")
    assert unusable.reason == f"{empty}: no table with a time column and KPI values"


def test_the_report_writers_layout_reads_without_its_module(tmp_path: Path) -> None:
    kpis = {"admins": 4, "risky_trust_policies": 2}
    path = _db(
        tmp_path / "h.db",
        "CREATE TABLE run_findings (run_id INT, fingerprint TEXT, rule TEXT)",
        "CREATE TABLE run_kpis (run_id INT, name TEXT, value REAL)",
        "CREATE TABLE runs (run_id INTEGER PRIMARY KEY, generated_at TEXT, "
        "recorded_at TEXT, baseline TEXT, kpis TEXT)",
        f"INSERT INTO runs VALUES (1, '2026-11-01', '2026-11-01', '', "
        f"'{json.dumps(kpis)}')",
    )

    trends = read_any_layout(path)

    assert trends.frame is not None
    assert trends.frame.iloc[0].to_dict() == {
        "admins": 4.0,
        "risky_trust_policies": 2.0,
    }
    assert default_columns(trends.frame) == ["risky_trust_policies", "admins"]


@dataclass(frozen=True)
class _Row:
    generated_at: str
    values: dict[str, float]


def test_the_report_writers_reader_is_preferred(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = types.ModuleType("reports.history")

    class HistoryError(Exception):
        pass

    def load_trend(path: Path, *, last: int) -> list[_Row]:
        return [
            _Row("2026-11-01T00:00:00Z", {"admins": 3.0}),
            _Row("2026-11-08T00:00:00Z", {"admins": 1.0}),
        ]

    history.HistoryError = HistoryError  # type: ignore[attr-defined]
    history.load_trend = load_trend  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "reports.history", history)

    trends = read_trends(tmp_path / "any.db")

    assert trends.frame is not None
    assert list(trends.frame["admins"]) == [3.0, 1.0]


def test_a_foreign_layout_falls_back_to_the_generic_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = types.ModuleType("reports.history")

    class HistoryError(Exception):
        pass

    def load_trend(path: Path, *, last: int) -> list[_Row]:
        raise HistoryError(f"{path}: cannot read history")

    history.HistoryError = HistoryError  # type: ignore[attr-defined]
    history.load_trend = load_trend  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "reports.history", history)
    path = _db(
        tmp_path / "h.db",
        "CREATE TABLE t (date TEXT, admins INT)",
        "INSERT INTO t VALUES ('2026-11-01', 5)",
    )

    trends = read_trends(path)
    nothing = read_trends(tmp_path / "absent.db")

    assert trends.frame is not None
    assert list(trends.frame["admins"]) == [5]
    assert nothing.reason == f"{tmp_path / 'absent.db'}: cannot read history"
