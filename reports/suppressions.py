"""Render stage: accepted findings (suppressions) read from a YAML file.

Each entry accepts one finding by ``fingerprint``, or every finding of a
``rule`` whose subject matches a glob (``subject``), and says ``reason``,
``owner`` and ``expires`` (a date). From the day after ``expires`` the entry
stops suppressing and is reported as expired.

.. code-block:: yaml

    suppressions:
      - fingerprint: 3f0c9a1b2d4e5f60718293a4
        reason: vendor audit role, external id enforced by the vendor
        owner: secops@example.com
        expires: 2027-03-31
      - rule: identity.stale
        subject: "arn:aws:iam::111111111111:role/legacy-*"
        reason: decommissioning tracked in the migration plan
        owner: platform@example.com
        expires: 2027-01-15
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

from graph.errors import CrosstrustError
from graph.model import Finding

logger = logging.getLogger(__name__)

_REQUIRED = ("reason", "owner", "expires")


class SuppressionError(CrosstrustError):
    """A suppressions file that cannot be read; names the file and entry."""


@dataclass(frozen=True, slots=True)
class Suppression:
    """One accepted finding (or glob of findings) with its owner and expiry."""

    reason: str
    owner: str
    expires: date
    fingerprint: str = ""
    rule: str = ""
    subject: str = ""
    source: str = ""

    def matches(self, finding: Finding) -> bool:
        if self.fingerprint:
            return finding.fingerprint == self.fingerprint
        return fnmatchcase(finding.rule, self.rule) and fnmatchcase(
            finding.subject, self.subject or "*"
        )

    def expired(self, today: date) -> bool:
        """Active through the ``expires`` day itself."""
        return today > self.expires

    def to_json(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "rule": self.rule,
            "subject": self.subject,
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires.isoformat(),
            "source": self.source,
        }


def load_suppressions(path: Path) -> list[Suppression]:
    """Read and check every entry; a bad entry raises :class:`SuppressionError`."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SuppressionError(f"{path}: cannot read suppressions: {exc}") from None
    if isinstance(data, dict):
        data = data.get("suppressions")
    if data is None:
        return []
    if not isinstance(data, list):
        raise SuppressionError(f"{path}: expected a list under 'suppressions'")
    suppressions = [_entry(path, number, item) for number, item in enumerate(data)]
    logger.info("read %d suppressions from %s", len(suppressions), path)
    return suppressions


def _entry(path: Path, number: int, item: Any) -> Suppression:
    where = f"{path} entry {number}"
    if not isinstance(item, dict):
        raise SuppressionError(f"{where}: expected a mapping")
    missing = [name for name in _REQUIRED if not str(item.get(name) or "").strip()]
    if missing:
        raise SuppressionError(f"{where}: missing {', '.join(missing)}")
    fingerprint = str(item.get("fingerprint") or "").strip()
    rule = str(item.get("rule") or "").strip()
    if not fingerprint and not rule:
        raise SuppressionError(f"{where}: needs a fingerprint or a rule")

    return Suppression(
        reason=str(item["reason"]).strip(),
        owner=str(item["owner"]).strip(),
        expires=_date(where, item["expires"]),
        fingerprint=fingerprint,
        rule=rule,
        subject=str(item.get("subject") or "*").strip(),
        source=where,
    )


def _date(where: str, value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise SuppressionError(
            f"{where}: expires {value!r} is not a date (YYYY-MM-DD)"
        ) from None
