"""Overview page: scorecard, coverage gaps and trends from a history file."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import (
    TAGGED,
    XSS,
    OpenPage,
    all_frames_text,
    markdown_text,
    sample_inputs,
)

from crosstrust import load_graph
from crosstrust.explorer import keys
from crosstrust.explorer.views.overview import _title
from crosstrust.explorer.widgets import md
from reports.document import build_report


def test_overview_shows_every_numeric_kpi(open_page: OpenPage) -> None:
    inputs = sample_inputs()
    app = open_page("overview", inputs)

    kpis = build_report(load_graph(*inputs)).kpis
    numbers = {
        _title(k): str(v)
        for k, v in kpis.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }
    assert not app.exception
    assert [t.value for t in app.title] == ["Overview", "crosstrust"]
    assert {m.label: m.value for m in app.metric if m.label in numbers} == numbers


def test_overview_lists_coverage_gaps_as_text(open_page: OpenPage) -> None:
    app = open_page("overview", [str(TAGGED)])

    gaps = [
        f for f in app.dataframe if list(f.value.columns)[:2] == ["scope", "reason"]
    ]
    assert not app.exception
    assert [list(g.value["reason"]) for g in gaps] == [["odd-arn"]]
    assert XSS in all_frames_text(app)
    assert "<img" not in markdown_text(app)


def _history(path: Path, rows: list[tuple[str, dict[str, int]]]) -> str:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, run_at TEXT, kpis TEXT)")
        db.executemany(
            "INSERT INTO runs (run_at, kpis) VALUES (?, ?)",
            [(when, json.dumps(kpis)) for when, kpis in rows],
        )
    return str(path)


def test_overview_draws_trends_from_history(
    open_page: OpenPage, tmp_path: Path
) -> None:
    history = _history(
        tmp_path / "history.db",
        [
            ("2026-11-01T00:00:00Z", {"admins": 3, "risky_trust_policies": 5}),
            ("2026-11-08T00:00:00Z", {"admins": 2, "risky_trust_policies": 4}),
        ],
    )
    app = open_page("overview", [str(TAGGED)], history=history)

    assert not app.exception
    assert app.multiselect[0].value == ["risky_trust_policies", "admins"]
    assert len(app.get("vega_lite_chart")) == 1


def test_overview_says_why_a_history_file_has_no_trends(
    open_page: OpenPage, tmp_path: Path
) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (body TEXT)")
    app = open_page("overview", [str(TAGGED)], history=str(path))

    assert not app.exception
    assert len(app.info) == 1
    assert app.info[0].value.startswith(md(path))


def test_without_inputs_the_app_opens_the_bundled_sample(
    open_page: OpenPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_page("overview", [str(TAGGED)])
    assert [t.value for t in app.sidebar.text] == [f"inputs: {TAGGED}"]
    monkeypatch.delenv(keys.ENV_INPUTS)
    app.run()

    assert not app.exception
    assert [t.value for t in app.sidebar.text] == [f"inputs: {keys.SAMPLE_DATA}"]


def test_one_run_time_shows_values_not_a_chart(
    open_page: OpenPage, tmp_path: Path
) -> None:
    when = "2026-11-01T00:00:00Z"
    history = _history(
        tmp_path / "h.db", [(when, {"admins": 3}), (when, {"admins": 3})]
    )
    app = open_page("overview", [str(TAGGED)], history=history)

    assert not app.exception
    assert app.get("vega_lite_chart") == []
    assert [c.value for c in app.caption if "trend needs two" in c.value] == [
        "Every recorded run has the same time: a trend needs two."
    ]
