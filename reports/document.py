"""Render stage: the report document every renderer reads.

A document holds one run's findings with their status against a baseline
(new / unchanged), the findings that suppressions accept, the baseline
findings that are gone (resolved), the scorecard KPIs, coverage gaps and
the external trust register.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from graph.model import CoverageGap, Finding, Severity
from graph.trustgraph import TrustGraph
from queries.findings import RuleOptions, evaluate_rules
from queries.kpis import compute_kpis
from queries.register import ExternalTrust, external_trust_register
from queries.tiers import identity_tiers
from reports.baseline import REPORT_SCHEMA, Baseline, PastFinding
from reports.suppressions import Suppression

__all__ = [
    "REPORT_SCHEMA",
    "FindingStatus",
    "ReportDocument",
    "SuppressedFinding",
    "assemble_report",
    "build_report",
]


class FindingStatus(StrEnum):
    NEW = "new"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class SuppressedFinding:
    """A finding an active suppression accepts."""

    finding: Finding
    suppression: Suppression
    status: FindingStatus


@dataclass(slots=True)
class ReportDocument:
    """Findings, KPIs, coverage and the external trust register of one run."""

    findings: list[Finding]
    kpis: dict[str, Any]
    coverage: list[CoverageGap]
    register: list[ExternalTrust] = field(default_factory=list)
    status: dict[str, FindingStatus] = field(default_factory=dict)
    suppressed: list[SuppressedFinding] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    expired_suppressions: list[Suppression] = field(default_factory=list)
    resolved: list[PastFinding] = field(default_factory=list)
    baseline: str = ""
    generated_at: str = ""
    names: dict[str, str] = field(default_factory=dict)
    tiers: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def status_of(self, finding: Finding) -> FindingStatus:
        return self.status.get(finding.fingerprint, FindingStatus.NEW)

    def new_findings(self, floor: Severity = Severity.INFO) -> list[Finding]:
        """Reported findings that are new and at or above ``floor``."""
        return [
            f
            for f in self.findings
            if self.status_of(f) is FindingStatus.NEW and f.severity.rank >= floor.rank
        ]

    def changes(self) -> dict[str, int]:
        new = len(self.new_findings())
        return {
            "new": new,
            "unchanged": len(self.findings) - new,
            "resolved": len(self.resolved),
            "suppressed": len(self.suppressed),
            "expired_suppressions": len(self.expired_suppressions),
        }

    def name_of(self, node_id: str) -> str:
        return self.names.get(node_id) or node_id

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": REPORT_SCHEMA,
            "findings": [self._finding_json(f) for f in self.findings],
            "kpis": self.kpis,
            "coverage": [g.to_json() for g in self.coverage],
            "external_trusts": [t.to_json() for t in self.register],
            "generated_at": self.generated_at,
            "baseline": self.baseline or None,
            "changes": self.changes(),
            "resolved": [f.to_json() for f in self.resolved],
            "suppressed": [
                {
                    "finding": self._finding_json(s.finding),
                    "suppression": s.suppression.to_json(),
                }
                for s in self.suppressed
            ],
            "suppressions": {
                "active": [s.to_json() for s in self.suppressions],
                "expired": [s.to_json() for s in self.expired_suppressions],
            },
        }

    def _finding_json(self, finding: Finding) -> dict[str, Any]:
        record = finding.to_json()
        record["status"] = str(self.status_of(finding))
        record["subject_tier"] = self.tiers.get(finding.subject)
        return record


def build_report(
    graph: TrustGraph,
    options: RuleOptions | None = None,
    *,
    min_severity: Severity = Severity.INFO,
    baseline: Baseline | None = None,
    suppressions: Sequence[Suppression] = (),
) -> ReportDocument:
    """Run the rules, KPIs and the register over ``graph``."""
    options = options or RuleOptions()
    findings = evaluate_rules(graph, options)
    return assemble_report(
        graph,
        findings,
        options,
        min_severity=min_severity,
        baseline=baseline,
        suppressions=suppressions,
    )


def assemble_report(
    graph: TrustGraph,
    findings: list[Finding],
    options: RuleOptions,
    *,
    min_severity: Severity = Severity.INFO,
    baseline: Baseline | None = None,
    suppressions: Sequence[Suppression] = (),
) -> ReportDocument:
    """Compare ``findings`` with a baseline and apply suppressions.

    KPIs count every finding (an accepted risk is still a risk); the
    severity floor, suppressions and baseline status only shape what the
    report lists. A finding whose suppression has expired is listed again
    and counts as new unless the baseline already reported it.
    """
    today = options.now.date()
    active = [s for s in suppressions if not s.expired(today)]
    expired = [s for s in suppressions if s.expired(today)]

    status = _status(findings, baseline)
    shown, accepted = _split_suppressed(
        [f for f in findings if f.severity.rank >= min_severity.rank],
        active,
        status,
    )
    tiers = identity_tiers(graph)
    register = external_trust_register(graph)
    return ReportDocument(
        findings=shown,
        kpis=compute_kpis(graph, findings, options),
        coverage=list(graph.coverage),
        register=register,
        status=status,
        suppressed=accepted,
        suppressions=active,
        expired_suppressions=expired,
        resolved=_resolved(findings, baseline),
        baseline=baseline.path if baseline else "",
        generated_at=options.now.isoformat(timespec="seconds"),
        names=_names(graph, findings, register),
        sources=_sources(graph, findings),
        tiers={
            f.subject: str(tiers[f.subject].tier)
            for f in findings
            if f.subject in tiers
        },
    )


def _status(
    findings: Iterable[Finding],
    baseline: Baseline | None,
) -> dict[str, FindingStatus]:
    reported = baseline.reported if baseline else frozenset()
    return {
        f.fingerprint: (
            FindingStatus.UNCHANGED if f.fingerprint in reported else FindingStatus.NEW
        )
        for f in findings
    }


def _split_suppressed(
    findings: list[Finding],
    active: list[Suppression],
    status: dict[str, FindingStatus],
) -> tuple[list[Finding], list[SuppressedFinding]]:
    shown, accepted = [], []
    for finding in findings:
        match = next((s for s in active if s.matches(finding)), None)
        if match is None:
            shown.append(finding)
        else:
            accepted.append(
                SuppressedFinding(finding, match, status[finding.fingerprint])
            )
    return shown, accepted


def _resolved(findings: list[Finding], baseline: Baseline | None) -> list[PastFinding]:
    if baseline is None:
        return []
    current = {f.fingerprint for f in findings}
    gone = [p for fp, p in baseline.known.items() if fp not in current]
    return sorted(gone, key=lambda p: (-p.severity.rank, p.rule, p.subject))


def _sources(graph: TrustGraph, findings: list[Finding]) -> dict[str, str]:
    """The export file each finding's subject was read from, where recorded."""
    sources = {}
    for finding in findings:
        if finding.subject in graph:
            principal = graph.principal(finding.subject)
            source = principal.attributes.get("source_file")
            if source:
                sources[finding.subject] = str(source)
    return sources


def _names(
    graph: TrustGraph,
    findings: list[Finding],
    register: list[ExternalTrust],
) -> dict[str, str]:
    """Display names of every node a finding or the register mentions."""
    mentioned = [n for f in findings for n in (f.subject, *f.path)]
    mentioned += [n for t in register for n in (t.party, t.target)]
    names = {}
    for node_id in mentioned:
        if node_id in graph and node_id not in names:
            names[node_id] = graph.principal(node_id).name or node_id
    return names
