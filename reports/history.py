"""Render stage: report history in SQLite (one transaction per run) and its trend.

Each run stores its numeric KPIs (flattened to dotted names) and the
fingerprints of its findings, so a trend can show both the scorecard over
time and which findings appeared or went away between runs.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from graph.errors import CrosstrustError
from reports.document import ReportDocument

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
_DDL = """
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT,
    generated_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    baseline TEXT NOT NULL DEFAULT '',
    kpis TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS run_kpis (
    run_id INTEGER NOT NULL REFERENCES runs (run_id),
    name TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (run_id, name)
);
CREATE TABLE IF NOT EXISTS run_findings (
    run_id INTEGER NOT NULL REFERENCES runs (run_id),
    fingerprint TEXT NOT NULL,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    subject TEXT NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (run_id, fingerprint)
);
"""

# Trend columns: (heading, KPI name); headings stay short to fit 100 columns.
TREND_COLUMNS = (
    ("find", "changes.findings"),
    ("new", "changes.new"),
    ("res", "changes.resolved"),
    ("sup", "changes.suppressed"),
    ("admin", "principals_with_route_to_admin"),
    ("keys%", "static_credential_ratio.non_human.ratio"),
    ("mfa%", "mfa_coverage_privileged_humans.ratio"),
    ("idle", "unused_identity_backlog.total"),
    ("risky", "risky_trust_policies"),
    ("3rd", "external_accounts"),
)
TREND_CAPTION = (
    "find: findings listed; res: resolved; sup: suppressed; admin: principals "
    "with a route to admin; keys%: non-human identities with active keys; "
    "mfa%: privileged humans with MFA; idle: unused identities; risky: risky "
    "trust policies; 3rd: third parties trusted; +/-: findings appeared / gone "
    "since the previous run"
)
_RATIO_NAMES = frozenset(name for _, name in TREND_COLUMNS if name.endswith("ratio"))


class HistoryError(CrosstrustError):
    """A history file that cannot be read or written; names the file."""


@dataclass(frozen=True, slots=True)
class TrendRow:
    """One recorded run: its KPIs and how its findings moved since the last."""

    run_id: int
    generated_at: str
    values: Mapping[str, float] = field(default_factory=dict)
    appeared: int = 0
    gone: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "generated_at": self.generated_at,
            "kpis": dict(self.values),
            "appeared": self.appeared,
            "gone": self.gone,
        }


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, float]]:
    """Numeric leaves of nested KPI dicts as dotted names (lists skipped)."""
    if isinstance(value, bool):
        yield prefix, float(value)
    elif isinstance(value, int | float):
        yield prefix, float(value)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from flatten(item, f"{prefix}.{key}" if prefix else str(key))


def run_kpis(document: ReportDocument) -> dict[str, float]:
    """The numbers a run stores: KPIs, changes and a few derived totals."""
    kpis = document.kpis
    values = dict(flatten(kpis))
    values.update(flatten(document.changes(), "changes"))
    values["changes.findings"] = float(len(document.findings))
    backlog = kpis.get("unused_identity_backlog", {})
    values["unused_identity_backlog.total"] = float(
        sum(backlog.get(side, {}).get("total", 0) for side in ("human", "non_human"))
    )
    values["external_accounts"] = float(len(kpis.get("external_trusts_by_account", {})))
    return values


def _connect(path: Path) -> sqlite3.Connection:
    try:
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA foreign_keys=ON")
        connection.executescript(_DDL)
        connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    except sqlite3.DatabaseError as exc:
        raise HistoryError(
            f"{path}: not a crosstrust history database: {exc}"
        ) from None
    return connection


def record_run(path: Path, document: ReportDocument) -> int:
    """Append this run's KPIs and finding fingerprints; return the run id."""
    rows = [(f, str(document.status_of(f))) for f in document.findings]
    rows += [(s.finding, "suppressed") for s in document.suppressed]
    recorded_at = datetime.now(UTC).isoformat(timespec="seconds")

    with closing(_connect(path)) as connection:
        try:
            connection.execute("BEGIN IMMEDIATE")
            cursor = connection.execute(
                "INSERT INTO runs (generated_at, recorded_at, baseline, kpis)"
                " VALUES (?, ?, ?, ?)",
                (
                    document.generated_at,
                    recorded_at,
                    document.baseline,
                    json.dumps(document.kpis, sort_keys=True, default=str),
                ),
            )
            run_id = int(cursor.lastrowid or 0)
            connection.executemany(
                "INSERT INTO run_kpis (run_id, name, value) VALUES (?, ?, ?)",
                [(run_id, name, value) for name, value in run_kpis(document).items()],
            )
            connection.executemany(
                "INSERT OR IGNORE INTO run_findings"
                " (run_id, fingerprint, rule, severity, subject, status)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (run_id, f.fingerprint, f.rule, str(f.severity), f.subject, status)
                    for f, status in rows
                ],
            )
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            connection.execute("ROLLBACK")
            raise HistoryError(f"{path}: cannot record the run: {exc}") from None
    logger.info("recorded run %d in %s", run_id, path)
    return run_id


def load_trend(path: Path, *, last: int = 20) -> list[TrendRow]:
    """The last ``last`` runs, oldest first."""
    if not path.is_file():
        raise HistoryError(f"{path}: no such history file")
    with closing(_connect(path)) as connection:
        try:
            runs = connection.execute(
                "SELECT run_id, generated_at FROM runs ORDER BY run_id DESC LIMIT ?",
                (last + 1,),
            ).fetchall()[::-1]
            values = _values(connection, [r[0] for r in runs])
            fingerprints = _fingerprints(connection, [r[0] for r in runs])
        except sqlite3.Error as exc:
            raise HistoryError(f"{path}: cannot read history: {exc}") from None

    rows = []
    previous: set[str] | None = None
    for run_id, generated_at in runs:
        current = fingerprints.get(run_id, set())
        rows.append(
            TrendRow(
                run_id=run_id,
                generated_at=generated_at,
                values=values.get(run_id, {}),
                appeared=len(current - previous) if previous is not None else 0,
                gone=len(previous - current) if previous is not None else 0,
            )
        )
        previous = current
    # The extra oldest run only served to diff the first shown one.
    return rows[-last:] if last > 0 else []


def _values(
    connection: sqlite3.Connection,
    run_ids: list[int],
) -> dict[int, dict[str, float]]:
    found: dict[int, dict[str, float]] = {}
    marks = ",".join("?" * len(run_ids))
    query = f"SELECT run_id, name, value FROM run_kpis WHERE run_id IN ({marks})"
    for run_id, name, value in connection.execute(query, run_ids):
        found.setdefault(run_id, {})[name] = value
    return found


def _fingerprints(
    connection: sqlite3.Connection,
    run_ids: list[int],
) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    marks = ",".join("?" * len(run_ids))
    query = (
        "SELECT run_id, fingerprint FROM run_findings"
        f" WHERE status != 'suppressed' AND run_id IN ({marks})"
    )
    for run_id, fingerprint in connection.execute(query, run_ids):
        found.setdefault(run_id, set()).add(fingerprint)
    return found


def _cell(name: str, values: Mapping[str, float]) -> str:
    if name not in values:
        return "-"
    value = values[name]
    if name in _RATIO_NAMES:
        return f"{value * 100:.0f}%"
    return f"{value:g}"


def render_trend_table(rows: list[TrendRow]) -> str:
    """The trend as a terminal table that fits 100 columns."""
    buffer = StringIO()
    console = Console(file=buffer, width=100, no_color=True, highlight=False)
    if not rows:
        console.print("no runs recorded")
        return buffer.getvalue()
    table = Table(
        title=f"crosstrust history: {len(rows)} runs",
        caption=TREND_CAPTION,
        box=box.SIMPLE_HEAD,
        expand=False,
    )
    table.add_column("run", justify="right", no_wrap=True)
    table.add_column("date", no_wrap=True)
    for heading, _ in TREND_COLUMNS:
        table.add_column(heading, justify="right", no_wrap=True)
    table.add_column("+/-", justify="right", no_wrap=True)
    for row in rows:
        table.add_row(
            str(row.run_id),
            row.generated_at[:10],
            *(_cell(name, row.values) for _, name in TREND_COLUMNS),
            f"+{row.appeared}/-{row.gone}",
        )
    console.print(table)
    return buffer.getvalue()
