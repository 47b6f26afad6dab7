"""Render stage: the previous run's JSON report, read as a baseline to diff."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.errors import CrosstrustError
from graph.model import Severity

logger = logging.getLogger(__name__)

REPORT_SCHEMA = "crosstrust.report/1"


class BaselineError(CrosstrustError):
    """A baseline file that is not a crosstrust JSON report; names the file."""


@dataclass(frozen=True, slots=True)
class PastFinding:
    """What a baseline remembers of one finding."""

    rule: str
    severity: Severity
    subject: str
    fingerprint: str
    title: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": str(self.severity),
            "subject": self.subject,
            "fingerprint": self.fingerprint,
            "title": self.title,
        }


@dataclass(frozen=True, slots=True)
class Baseline:
    """Findings of a previous run: reported ones, and all (suppressed too)."""

    path: str
    reported: frozenset[str] = frozenset()
    known: dict[str, PastFinding] = field(default_factory=dict)


def load_baseline(path: Path) -> Baseline:
    """Read a ``crosstrust.report/1`` JSON file written by an earlier run."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc}") from None
    if not isinstance(data, dict) or data.get("schema") != REPORT_SCHEMA:
        raise BaselineError(f"{path}: not a {REPORT_SCHEMA} JSON report")

    reported = [_past(path, item) for item in data.get("findings") or []]
    suppressed = [
        _past(path, item.get("finding") if isinstance(item, dict) else item)
        for item in data.get("suppressed") or []
    ]
    known = {f.fingerprint: f for f in (*suppressed, *reported)}
    logger.info("baseline %s: %d findings", path, len(known))
    return Baseline(
        path=str(path),
        reported=frozenset(f.fingerprint for f in reported),
        known=known,
    )


def _past(path: Path, item: Any) -> PastFinding:
    if not isinstance(item, dict) or not item.get("fingerprint"):
        raise BaselineError(f"{path}: a finding without a fingerprint")
    try:
        severity = Severity(str(item.get("severity", "info")))
    except ValueError:
        raise BaselineError(
            f"{path}: finding {item['fingerprint']} has unknown severity"
        ) from None
    return PastFinding(
        rule=str(item.get("rule", "")),
        severity=severity,
        subject=str(item.get("subject", "")),
        fingerprint=str(item["fingerprint"]),
        title=str(item.get("title", "")),
    )
