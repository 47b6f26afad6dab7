"""History reader: KPI series from unknown table layouts, or a reason why not."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from crosstrust.explorer.trends import read_trends


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

    trends = read_trends(path)

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

    trends = read_trends(path)

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

    missing = read_trends(tmp_path / "absent.db")
    broken = read_trends(junk)
    unusable = read_trends(empty)

    assert (missing.frame, broken.frame, unusable.frame) == (None, None, None)
    assert missing.reason == f"{tmp_path / 'absent.db'}: no such history file"
    assert broken.reason.startswith(f"{junk}: not a readable SQLite file")
    assert unusable.reason == f"{empty}: no table with a time column and KPI values"
