"""The report and history commands: formats, files, gates and exit codes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import crosstrust.report_cmd as report_cmd
from crosstrust.cli import main
from reports.render import FORMATS
from tests.reports.builders import BOB, EVIL, sample_graph
from tests.reports.conftest import sample_findings

AS_OF = ["--as-of", "2026-12-01"]


@pytest.fixture
def findings_filter(monkeypatch: pytest.MonkeyPatch) -> dict:
    """Serve the sample graph; tests may drop findings by fingerprint."""
    state: dict = {"drop": set()}
    monkeypatch.setattr(report_cmd, "load_graph", lambda *paths: sample_graph())

    def evaluate(graph, options):
        return [f for f in sample_findings(graph) if f.fingerprint not in state["drop"]]

    monkeypatch.setattr(report_cmd, "evaluate_rules", evaluate)
    return state


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    path = tmp_path / "snapshot"
    path.mkdir()
    return path


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def json_report(snapshot: Path, tmp_path: Path, name: str, *extra: str | Path) -> Path:
    out = tmp_path / name
    result = run("report", snapshot, "--format", "json", "--out", out, *AS_OF, *extra)
    assert result.exit_code == 0, result.output
    return out


def fingerprint_of(rule: str, subject: str) -> str:
    graph = sample_graph()
    found = sample_findings(graph)
    return next(f.fingerprint for f in found if f.rule == rule and f.subject == subject)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format(findings_filter, snapshot: Path, fmt: str) -> None:
    result = run("report", snapshot, "--format", fmt, *AS_OF)

    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    if fmt in {"json", "sarif"}:
        json.loads(result.stdout)


def test_json_contract_and_out_file(findings_filter, snapshot, tmp_path) -> None:
    out = json_report(snapshot, tmp_path, "report.json")
    data = json.loads(out.read_text(encoding="utf-8"))

    assert data["schema"] == "crosstrust.report/1"
    assert {"findings", "kpis", "coverage", "external_trusts"} <= set(data)
    assert len(data["findings"]) == 10


def test_help_documents_exit_codes() -> None:
    result = run("report", "--help")

    assert result.exit_code == 0
    assert "Exit codes:" in result.output
    assert "--fail-on" in result.output and "--baseline" in result.output


def test_fail_on_without_baseline_lists_findings_inertly(
    findings_filter, snapshot
) -> None:
    result = run(
        "report", snapshot, "--fail-on", "critical", "--out", "/dev/null", *AS_OF
    )

    assert result.exit_code == 1
    assert result.output.splitlines()[1:] == [
        "gate: 1 new finding(s) at or above critical",
        "  critical trust.external-no-external-id "
        "arn:aws:iam::111111111111:role/<img src=x onerror=alert(1)>\\x1b[31m",
    ]


def test_fail_on_only_new_findings(findings_filter, snapshot, tmp_path) -> None:
    stale_bob = fingerprint_of("identity.stale", BOB)
    evil = fingerprint_of("trust.external-no-external-id", EVIL)
    findings_filter["drop"] = {stale_bob, evil}
    previous = json_report(snapshot, tmp_path, "previous.json")
    findings_filter["drop"] = set()

    high = run("report", snapshot, "--baseline", previous, "--fail-on", "high", *AS_OF)
    low = run("report", snapshot, "--baseline", previous, "--fail-on", "low", *AS_OF)
    findings_filter["drop"] = {evil}
    unchanged = run(
        "report", snapshot, "--baseline", previous, "--fail-on", "medium", *AS_OF
    )

    assert high.exit_code == 1
    assert "gate: 1 new finding(s) at or above high" in high.output
    assert low.exit_code == 1
    assert "gate: 2 new finding(s) at or above low" in low.output
    assert unchanged.exit_code == 0


def test_resolved_listed_against_baseline(findings_filter, snapshot, tmp_path) -> None:
    previous = json_report(snapshot, tmp_path, "previous.json")
    findings_filter["drop"] = {fingerprint_of("identity.stale", BOB)}

    out = json_report(snapshot, tmp_path, "now.json", "--baseline", previous)
    data = json.loads(out.read_text(encoding="utf-8"))

    assert [(r["rule"], r["subject"]) for r in data["resolved"]] == [
        ("identity.stale", BOB)
    ]
    assert data["changes"]["unchanged"] == 9
    assert data["changes"]["new"] == 0


def _suppressions(tmp_path: Path, expires: str) -> Path:
    path = tmp_path / "accepted.yaml"
    path.write_text(
        "suppressions:\n"
        f"  - fingerprint: {fingerprint_of('trust.external-no-external-id', EVIL)}\n"
        "    reason: vendor contract pins the caller\n"
        "    owner: secops@example.com\n"
        f"    expires: {expires}\n",
        encoding="utf-8",
    )
    return path


def test_suppression_silences_the_gate_until_it_expires(
    findings_filter, snapshot, tmp_path
) -> None:
    active = _suppressions(tmp_path, "2026-12-01")
    quiet = run(
        "report",
        snapshot,
        "--suppressions",
        active,
        "--fail-on",
        "critical",
        "--format",
        "markdown",
        *AS_OF,
    )
    expired = _suppressions(tmp_path, "2026-11-30")
    loud = run(
        "report", snapshot, "--suppressions", expired, "--fail-on", "critical", *AS_OF
    )

    assert quiet.exit_code == 0, quiet.output
    assert "vendor contract pins the caller" in quiet.output
    assert loud.exit_code == 1
    assert "expired on 2026-11-30 (owner secops@example.com)" in loud.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "pdf"], "Invalid value for '--format'"),
        (["--baseline", "missing.json"], "does not exist"),
        (["--fail-on", "severe"], "Invalid value for '--fail-on'"),
        (["--stale-days", "0"], "Invalid value for '--stale-days'"),
    ],
)
def test_usage_errors_exit_2(findings_filter, snapshot, args, message) -> None:
    result = run("report", snapshot, *args)

    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize(
    ("option", "content", "message"),
    [
        ("--baseline", "{}", "not a crosstrust.report/1 JSON report"),
        (
            "--suppressions",
            "- rule: x\n  owner: me\n  expires: 2027-01-01\n",
            "entry 0: missing reason",
        ),
        (
            "--suppressions",
            "- fingerprint: ab\n  reason: r\n  owner: o\n  expires: soon\n",
            "is not a date",
        ),
        ("--history", "not a database" * 100, "not a crosstrust history database"),
    ],
)
def test_input_errors_exit_2(
    findings_filter, snapshot, tmp_path, option, content, message
) -> None:
    bad = tmp_path / "bad.file"
    bad.write_text(content, encoding="utf-8")

    result = run("report", snapshot, option, bad, *AS_OF)

    assert result.exit_code == 2
    assert f"error: {bad}" in result.output and message in result.output


def test_unwritable_out_exits_2(findings_filter, snapshot, tmp_path) -> None:
    out = tmp_path / "missing-folder" / "report.html"

    result = run("report", snapshot, "--format", "html", "--out", out, *AS_OF)

    assert result.exit_code == 2
    assert f"error: {out}: cannot write the report" in result.output


def test_history_records_runs_and_prints_trend(findings_filter, snapshot, tmp_path):
    database = tmp_path / "history.db"
    first = run(
        "report", snapshot, "--history", database, "--out", tmp_path / "r.txt", *AS_OF
    )
    findings_filter["drop"] = {fingerprint_of("identity.stale", BOB)}
    second = run(
        "report", snapshot, "--history", database, "--out", tmp_path / "r.txt", *AS_OF
    )

    trend = run("history", database)
    as_json = json.loads(run("history", database, "--format", "json").stdout)

    assert first.exit_code == 0 and second.exit_code == 0
    assert "recorded run 2" in second.output
    assert trend.exit_code == 0
    assert max(len(line) for line in trend.output.splitlines()) <= 100
    assert "+0/-1" in trend.output
    assert [r["kpis"]["changes.findings"] for r in as_json["runs"]] == [10.0, 9.0]
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_history_of_missing_file_exits_2(tmp_path) -> None:
    result = run("history", tmp_path / "none.db")

    assert result.exit_code == 2
    assert "no such history file" in result.output
