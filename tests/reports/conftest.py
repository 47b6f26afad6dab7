"""Fixtures for report tests: the sample graph, its findings and documents."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from graph.model import Finding, Severity
from graph.trustgraph import TrustGraph
from queries.rules.hygiene import (
    long_lived_credentials,
    missing_owner,
    stale_identities,
)
from reports.baseline import Baseline
from reports.document import ReportDocument, assemble_report
from reports.suppressions import Suppression
from tests.reports.builders import options, sample_graph, trust_findings


def sample_findings(graph: TrustGraph) -> list[Finding]:
    """Hand-made trust/path findings plus what the hygiene rules raise."""
    rule_options = options()
    found = [
        *trust_findings(graph),
        *missing_owner(graph, rule_options),
        *long_lived_credentials(graph, rule_options),
        *stale_identities(graph, rule_options),
    ]
    return sorted(found, key=lambda f: (-f.severity.rank, f.rule, f.subject, f.key))


def make_document(
    *,
    graph: TrustGraph | None = None,
    findings: list[Finding] | None = None,
    baseline: Baseline | None = None,
    suppressions: Sequence[Suppression] = (),
    min_severity: Severity = Severity.INFO,
    **option_changes: object,
) -> ReportDocument:
    graph = graph or sample_graph()
    return assemble_report(
        graph,
        sample_findings(graph) if findings is None else findings,
        options(**option_changes),
        baseline=baseline,
        suppressions=suppressions,
        min_severity=min_severity,
    )


@pytest.fixture(scope="module")
def graph() -> TrustGraph:
    return sample_graph()


@pytest.fixture(scope="module")
def document(graph: TrustGraph) -> ReportDocument:
    return make_document(graph=graph)
