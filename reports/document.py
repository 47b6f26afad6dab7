"""Render stage: the report document every renderer reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graph.model import CoverageGap, Finding
from graph.trustgraph import TrustGraph
from queries.findings import RuleOptions, evaluate_rules
from queries.kpis import compute_kpis
from queries.register import ExternalTrust, external_trust_register

REPORT_SCHEMA = "crosstrust.report/1"


@dataclass(slots=True)
class ReportDocument:
    """Findings, KPIs, coverage and the external trust register of one run."""

    findings: list[Finding]
    kpis: dict[str, Any]
    coverage: list[CoverageGap]
    register: list[ExternalTrust] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": REPORT_SCHEMA,
            "findings": [f.to_json() for f in self.findings],
            "kpis": self.kpis,
            "coverage": [g.to_json() for g in self.coverage],
            "external_trusts": [t.to_json() for t in self.register],
        }


def build_report(
    graph: TrustGraph, options: RuleOptions | None = None
) -> ReportDocument:
    """Run the rules, KPIs and the register over ``graph``."""
    options = options or RuleOptions()
    findings = evaluate_rules(graph, options)
    return ReportDocument(
        findings=findings,
        kpis=compute_kpis(graph, findings),
        coverage=list(graph.coverage),
        register=external_trust_register(graph),
    )
