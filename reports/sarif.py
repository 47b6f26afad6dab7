"""Render stage: SARIF 2.1.0 for code-scanning dashboards.

Every rule id becomes a reporting descriptor; each finding a result whose
level follows its severity, with the fingerprint in ``partialFingerprints``
and the subject as a logical location. Suppressed findings carry an
accepted suppression; coverage gaps become tool notifications. Text
derived from cloud data has its control characters made visible.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from crosstrust import __version__
from graph.model import Finding, Severity
from reports.catalog import CATALOG, rule_text
from reports.document import ReportDocument
from reports.suppressions import Suppression
from reports.text import printable, short_id

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "crosstrust/v1"

LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub code scanning ranks security results by this 0-10 score.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}


def _descriptor(rule_id: str) -> dict[str, Any]:
    text = rule_text(rule_id)
    return {
        "id": rule_id,
        "name": "".join(p.capitalize() for p in rule_id.replace("-", ".").split(".")),
        "shortDescription": {"text": text.title},
        "fullDescription": {"text": text.description},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["security", rule_id.split(".", 1)[0]]},
    }


def _message(finding: Finding, document: ReportDocument) -> str:
    title = finding.title or rule_text(finding.rule).title
    text = f"{title} (subject {document.name_of(finding.subject)})"
    if finding.path:
        route = " -> ".join(document.name_of(n) for n in finding.path)
        text += f"; route: {route}"
    if finding.remediation:
        text += f". Remediation: {finding.remediation}"
    return printable(text)


_SNAPSHOT_SUFFIXES = (".json", ".jsonl", ".ndjson", ".zip")


def _artifact_uri(path: str) -> str:
    """A file name as a SARIF URI reference (relative stays relative)."""
    if PurePath(path).is_absolute():
        return Path(path).as_uri()
    return quote(path.replace("\\", "/"), safe="/:!@")


def _source_file(finding: Finding, document: ReportDocument) -> str:
    """The snapshot file that shows the finding, when one is known.

    Code-scanning dashboards list results by file; the subject's own
    export, else the first evidence document that is a file, is used.
    """
    source = document.sources.get(finding.subject, "")
    if source:
        return source
    for evidence in finding.evidence:
        name = evidence.document.split("!", 1)[0]
        if name.lower().endswith(_SNAPSHOT_SUFFIXES):
            return evidence.document
    return ""


def _locations(finding: Finding, document: ReportDocument) -> list[dict[str, Any]]:
    location: dict[str, Any] = {
        "logicalLocations": [
            {
                "name": printable(short_id(finding.subject)),
                "fullyQualifiedName": printable(finding.subject),
                "kind": "resource",
            }
        ]
    }
    source = _source_file(finding, document)
    if source:
        location["physicalLocation"] = {
            "artifactLocation": {"uri": _artifact_uri(source)}
        }
    return [location]


def _result(
    finding: Finding,
    document: ReportDocument,
    rule_index: dict[str, int],
    suppression: Suppression | None = None,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index[finding.rule],
        "level": LEVELS[finding.severity],
        "message": {"text": _message(finding, document)},
        "locations": _locations(finding, document),
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {
            "severity": str(finding.severity),
            "security-severity": SECURITY_SEVERITY[finding.severity],
            "route": [printable(n) for n in finding.path],
            "evidence": [printable(e) for e in finding.evidence],
        },
    }
    if document.baseline:
        result["baselineState"] = str(document.status_of(finding))
    if suppression is not None:
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": printable(suppression.reason),
                "properties": {
                    "owner": printable(suppression.owner),
                    "expires": suppression.expires.isoformat(),
                },
            }
        ]
    return result


def sarif_log(document: ReportDocument) -> dict[str, Any]:
    """The SARIF log as a dict (one run)."""
    used = {f.rule for f in document.findings} | {
        s.finding.rule for s in document.suppressed
    }
    rule_ids = sorted(set(CATALOG) | used)
    rule_index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    results = [_result(f, document, rule_index) for f in document.findings]
    results += [
        _result(s.finding, document, rule_index, s.suppression)
        for s in document.suppressed
    ]
    notifications = [
        {
            "level": "warning",
            "message": {"text": printable(f"{g.scope}: {g.reason} {g.detail}".strip())},
        }
        for g in document.coverage
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "crosstrust",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_descriptor(r) for r in rule_ids],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "results": results,
                "properties": {"kpis": document.kpis},
            }
        ],
    }


def render_sarif(document: ReportDocument) -> str:
    return json.dumps(sarif_log(document), indent=2, ensure_ascii=True)
