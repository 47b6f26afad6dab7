"""Query stage: the identity scorecard computed from a graph and its findings."""

from __future__ import annotations

from collections import Counter
from typing import Any

from graph.model import Finding, NodeKind
from graph.trustgraph import TrustGraph
from queries.paths import principals_reaching_admin

_IDENTITY_KINDS = (
    NodeKind.USER,
    NodeKind.ROLE,
    NodeKind.SERVICE_ACCOUNT,
    NodeKind.MANAGED_IDENTITY,
    NodeKind.SERVICE_PRINCIPAL,
)


def compute_kpis(graph: TrustGraph, findings: list[Finding]) -> dict[str, Any]:
    """Scorecard numbers; every value is derived from the graph or findings."""
    identities = [p for p in graph.principals(*_IDENTITY_KINDS) if not p.external]
    by_rule = Counter(f.rule for f in findings)
    reaching = principals_reaching_admin(graph)
    internal_reaching = [n for n in reaching if not graph.principal(n).external]
    return {
        "identities": len(identities),
        "admins": len(graph.admins()),
        "principals_with_route_to_admin": len(internal_reaching),
        "risky_trust_policies": len(
            {f.subject for f in findings if f.rule.startswith("trust.")}
        ),
        "findings_by_severity": dict(Counter(str(f.severity) for f in findings)),
        "findings_by_rule": dict(sorted(by_rule.items())),
        "coverage_gaps": len(graph.coverage),
    }
