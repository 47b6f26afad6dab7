"""Query stage: the external trust register (outside parties that can get in)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph.model import Condition, Evidence, TrustEdge
from graph.trustgraph import TrustGraph


@dataclass(frozen=True, slots=True)
class ExternalTrust:
    """One outside party, what it can become, how and under which conditions."""

    party: str
    party_kind: str
    target: str
    mechanism: str
    conditions: tuple[Condition, ...]
    evidence: tuple[Evidence, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "party_kind": self.party_kind,
            "target": self.target,
            "mechanism": self.mechanism,
            "conditions": [c.to_json() for c in self.conditions],
            "evidence": [e.to_json() for e in self.evidence],
        }


def _is_entry(graph: TrustGraph, edge: TrustEdge) -> bool:
    source = graph.principal(edge.source)
    target = graph.principal(edge.target)
    return source.external and not target.external


def external_trust_register(graph: TrustGraph) -> list[ExternalTrust]:
    """Every edge from an outside party into the analysed estate, sorted."""
    entries = [
        ExternalTrust(
            party=edge.source,
            party_kind=str(graph.principal(edge.source).kind),
            target=edge.target,
            mechanism=str(edge.mechanism),
            conditions=edge.conditions,
            evidence=edge.evidence,
        )
        for edge in graph.edges()
        if _is_entry(graph, edge)
    ]
    return sorted(entries, key=lambda t: (t.party, t.target, t.mechanism))
