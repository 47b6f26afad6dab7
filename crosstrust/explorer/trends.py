"""Render stage, interactive: KPI trend lines read from a report-history SQLite file.

The history file belongs to the report writer: its own reader
(``reports.history.load_trend``) is used when it is installed. Otherwise this
module looks for any table with a time column and numeric (or JSON KPI)
columns, and gives up quietly, with a reason, when it finds none.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

logger = logging.getLogger(__name__)

TIME_COLUMNS = (
    "run_at",
    "generated_at",
    "created_at",
    "started_at",
    "finished_at",
    "timestamp",
    "recorded_at",
    "time",
    "date",
    "when",
)
JSON_COLUMNS = ("kpis", "kpis_json", "scorecard")
# Charted first when present: the scorecard's headline numbers.
HEADLINE_KPIS = (
    "principals_with_route_to_admin",
    "risky_trust_policies",
    "changes.findings",
    "admins",
)
_MAX_ROWS = 5000


@dataclass(frozen=True, slots=True)
class Trends:
    """KPI values over time (index: run time; columns: KPI names), or why not."""

    frame: pd.DataFrame | None
    reason: str = ""


def read_trends(path: str | Path) -> Trends:
    """KPI series over time, through the report writer's reader when present."""
    try:
        from reports.history import HistoryError, load_trend
    except ImportError:
        return read_any_layout(path)
    try:
        rows = load_trend(Path(path), last=_MAX_ROWS)
    except HistoryError as exc:
        # An older or foreign layout may still hold readable numbers.
        fallback = read_any_layout(path)
        return fallback if fallback.frame is not None else Trends(None, str(exc))
    if not rows:
        return Trends(None, f"{path}: no runs recorded yet")
    frame = pd.DataFrame([dict(r.values) for r in rows])
    frame.index = pd.to_datetime(
        [r.generated_at for r in rows], errors="coerce", utc=True
    )
    return Trends(frame[frame.index.notna()])


def default_columns(frame: pd.DataFrame) -> list[str]:
    """The headline KPIs the frame has, else its first four columns."""
    found = [c for c in HEADLINE_KPIS if c in frame.columns]
    return found or list(frame.columns[:4])


def read_any_layout(path: str | Path) -> Trends:
    """Numeric KPI series from the first history table that has a time column."""
    if not Path(path).is_file():
        return Trends(None, f"{path}: no such history file")
    try:
        with sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True) as db:
            for table in _tables(db):
                frame = _series(db, table)
                if frame is not None and not frame.empty:
                    return Trends(frame)
    except sqlite3.Error as exc:
        logger.warning("cannot read history %s: %s", path, exc)
        return Trends(None, f"{path}: not a readable SQLite file ({exc})")
    return Trends(None, f"{path}: no table with a time column and KPI values")


def _tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return sorted(str(name) for (name,) in rows)


def _series(db: sqlite3.Connection, table: str) -> pd.DataFrame | None:
    quoted = '"' + table.replace('"', '""') + '"'
    frame = pd.read_sql_query(f"SELECT * FROM {quoted} LIMIT {_MAX_ROWS}", db)
    time_column = next((c for c in TIME_COLUMNS if c in frame.columns), None)
    if time_column is None:
        return None

    numbers = frame.select_dtypes("number")
    ids = [c for c in numbers.columns if c == "id" or c.endswith("_id")]
    values = numbers.drop(columns=ids)
    for column in (c for c in JSON_COLUMNS if c in frame.columns):
        flat = pd.DataFrame([_numeric_leaves(_loads(v)) for v in frame[column]])
        values = pd.concat([values, flat], axis=1)
    if values.empty:
        return None

    values.index = pd.to_datetime(frame[time_column], errors="coerce", utc=True)
    return values[values.index.notna()].sort_index()


def _loads(value: Any) -> Any:
    try:
        return json.loads(value) if isinstance(value, str | bytes) else None
    except ValueError:
        return None


def _numeric_leaves(value: Any, prefix: str = "") -> dict[str, float]:
    """Flatten nested KPI JSON to ``a.b.c -> number`` (booleans left out)."""
    if isinstance(value, bool):
        return {}
    if isinstance(value, int | float):
        return {prefix: float(value)} if prefix else {}
    if isinstance(value, dict):
        leaves: dict[str, float] = {}
        for key, item in value.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            leaves.update(_numeric_leaves(item, name))
        return leaves
    return {}
