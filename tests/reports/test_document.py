"""Baselines and suppressions: new / unchanged / resolved, expiry, listing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from graph.model import Severity
from reports.baseline import BaselineError, load_baseline
from reports.document import ReportDocument
from reports.render import render_json
from reports.suppressions import Suppression
from tests.reports.builders import APP_RUNTIME, BOB, EVIL, VENDOR_AUDIT
from tests.reports.conftest import make_document, sample_findings


def _baseline_file(tmp_path: Path, document: ReportDocument) -> Path:
    path = tmp_path / "previous.json"
    path.write_text(render_json(document), encoding="utf-8")
    return path


def _suppression(**fields: object) -> Suppression:
    values: dict = {
        "reason": "accepted",
        "owner": "secops",
        "expires": date(2027, 1, 1),
    }
    values.update(fields)
    return Suppression(**values)


def test_json_keeps_the_design_shape(document: ReportDocument) -> None:
    data = json.loads(render_json(document))

    assert data["schema"] == "crosstrust.report/1"
    assert {"findings", "kpis", "coverage"} <= set(data)
    assert set(data["findings"][0]) >= {
        "rule",
        "severity",
        "subject",
        "path",
        "evidence",
        "remediation",
        "fingerprint",
        "status",
    }
    assert data["coverage"] == [
        {
            "scope": "222222222222",
            "reason": "access-denied",
            "detail": "iam:GetAccountAuthorizationDetails denied",
            "cloud": None,
        }
    ]


def test_without_baseline_everything_is_new(document: ReportDocument) -> None:
    assert len(document.findings) == 10
    assert {str(document.status_of(f)) for f in document.findings} == {"new"}
    assert document.resolved == []


def test_baseline_marks_new_unchanged_resolved(tmp_path: Path, graph) -> None:
    findings = sample_findings(graph)
    stale_bob = next(
        f for f in findings if f.rule == "identity.stale" and f.subject == BOB
    )
    previous = make_document(
        graph=graph, findings=[f for f in findings if f is not stale_bob]
    )
    # The previous run also had a finding that is gone now.
    gone = make_document(graph=graph, findings=[findings[0]])
    data = json.loads(render_json(previous))
    data["findings"].append(
        {
            **json.loads(render_json(gone))["findings"][0],
            "fingerprint": "0" * 24,
            "subject": "arn:gone",
        }
    )
    path = tmp_path / "previous.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    document = make_document(graph=graph, baseline=load_baseline(path))

    assert [f.fingerprint for f in document.new_findings()] == [stale_bob.fingerprint]
    assert document.changes() == {
        "new": 1,
        "unchanged": 9,
        "resolved": 1,
        "suppressed": 0,
        "expired_suppressions": 0,
    }
    assert [(p.fingerprint, p.subject) for p in document.resolved] == [
        ("0" * 24, "arn:gone")
    ]
    statuses = {f["fingerprint"]: f["status"] for f in document.to_json()["findings"]}
    assert statuses[stale_bob.fingerprint] == "new"
    assert list(statuses.values()).count("unchanged") == 9


def test_severity_floor_hides_without_resolving(tmp_path: Path, graph) -> None:
    baseline = load_baseline(_baseline_file(tmp_path, make_document(graph=graph)))

    document = make_document(graph=graph, baseline=baseline, min_severity=Severity.HIGH)

    assert {str(f.severity) for f in document.findings} == {"critical", "high"}
    assert len(document.findings) == 3
    assert document.resolved == []
    assert document.kpis["findings_by_severity"] == {
        "critical": 1,
        "high": 2,
        "medium": 4,
        "low": 3,
    }


def test_suppression_by_fingerprint_and_by_glob(graph) -> None:
    findings = sample_findings(graph)
    vendor = next(f for f in findings if f.subject == VENDOR_AUDIT)
    by_fingerprint = _suppression(fingerprint=vendor.fingerprint)
    by_glob = _suppression(rule="identity.*", subject="*:role/app-*")
    unused = _suppression(rule="trust.broad-principal", subject="*")

    document = make_document(
        graph=graph, suppressions=[by_fingerprint, by_glob, unused]
    )

    accepted = {(s.finding.rule, s.finding.subject) for s in document.suppressed}
    assert accepted == {
        ("trust.external-no-external-id", VENDOR_AUDIT),
        ("identity.missing-owner", APP_RUNTIME),
        ("identity.stale", APP_RUNTIME),
    }
    assert len(document.findings) == 7
    assert document.suppressions == [by_fingerprint, by_glob, unused]
    assert document.kpis["risky_trust_policies"] == 2


def test_expired_suppression_stops_suppressing_and_is_listed(graph) -> None:
    evil_trust = next(f for f in sample_findings(graph) if f.subject == EVIL)
    expired = _suppression(
        fingerprint=evil_trust.fingerprint, expires=date(2026, 11, 30)
    )
    last_day = _suppression(
        rule="identity.stale", subject=BOB, expires=date(2026, 12, 1)
    )

    document = make_document(graph=graph, suppressions=[expired, last_day])

    assert document.expired_suppressions == [expired]
    assert document.suppressions == [last_day]
    assert evil_trust in document.findings
    assert {(s.finding.rule, s.finding.subject) for s in document.suppressed} == {
        ("identity.stale", BOB)
    }
    listed = document.to_json()["suppressions"]
    assert [s["expires"] for s in listed["expired"]] == ["2026-11-30"]
    assert [s["expires"] for s in listed["active"]] == ["2026-12-01"]


def test_expired_suppression_makes_a_baselined_suppressed_finding_new(
    tmp_path: Path, graph
) -> None:
    evil_trust = next(f for f in sample_findings(graph) if f.subject == EVIL)
    accepted = _suppression(
        fingerprint=evil_trust.fingerprint, expires=date(2026, 12, 1)
    )
    previous = make_document(graph=graph, suppressions=[accepted])
    baseline = load_baseline(_baseline_file(tmp_path, previous))

    lapsed = _suppression(fingerprint=evil_trust.fingerprint, expires=date(2026, 11, 1))
    document = make_document(graph=graph, baseline=baseline, suppressions=[lapsed])

    assert [f.fingerprint for f in document.new_findings(Severity.HIGH)] == [
        evil_trust.fingerprint
    ]
    assert document.resolved == []


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps({"schema": "other/1"}),
        json.dumps([1, 2]),
        json.dumps({"schema": "crosstrust.report/1", "findings": [{"rule": "x"}]}),
    ],
)
def test_bad_baseline_names_the_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(BaselineError, match="bad.json"):
        load_baseline(path)
