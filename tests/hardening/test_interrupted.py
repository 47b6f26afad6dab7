"""A report run killed while it writes ``--history FILE.db`` leaves a sound database.

A child process appends runs to the history file in a loop (each run one
transaction, as ``crosstrust report --history`` writes it) and is SIGKILLed at
several moments; the file must pass SQLite's integrity check, hold only whole
runs, and keep accepting runs through the real CLI afterwards.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from click.testing import CliRunner

from crosstrust.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from crosstrust import load_graph
    from reports.document import build_report
    from reports.history import record_run

    document = build_report(load_graph(sys.argv[2]))
    print(len(document.findings), flush=True)
    while True:
        record_run(Path(sys.argv[1]), document)
    """
)


def _integrity(database: Path) -> tuple[str, list[int], set[int]]:
    with sqlite3.connect(database) as connection:
        (check,) = connection.execute("PRAGMA integrity_check").fetchone()
        per_run = connection.execute(
            "SELECT r.run_id, COUNT(f.fingerprint) FROM runs r"
            " LEFT JOIN run_findings f USING (run_id) GROUP BY r.run_id"
        ).fetchall()
        orphans = connection.execute(
            "SELECT DISTINCT run_id FROM run_findings"
            " WHERE run_id NOT IN (SELECT run_id FROM runs)"
        ).fetchall()
    return check, [count for _, count in per_run], {r for (r,) in orphans}


def test_sigkill_during_history_writes_leaves_only_whole_runs(
    tmp_path: Path,
) -> None:
    database = tmp_path / "history.db"
    findings = 0
    for delay in (0.3, 0.55, 0.8):
        child = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(database), str(SAMPLE / "aws")],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        findings = int(child.stdout.readline())
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        assert child.returncode == -signal.SIGKILL

        check, counts, orphans = _integrity(database)
        assert check == "ok"
        assert counts and set(counts) == {findings}
        assert orphans == set()

    before = len(counts)
    result = CliRunner().invoke(
        main, ["report", str(SAMPLE / "aws"), "--history", str(database)]
    )
    assert result.exit_code == 0, result.output
    check, counts, _ = _integrity(database)
    assert (check, len(counts), set(counts)) == ("ok", before + 1, {findings})
