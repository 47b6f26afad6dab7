"""Render stage, interactive: findings, routes and principals as pandas tables."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

import pandas as pd

from graph.model import Condition, Evidence, Finding, TrustEdge
from graph.trustgraph import TrustGraph
from queries.paths import Route

FINDING_COLUMNS = (
    "severity",
    "rule",
    "cloud",
    "container",
    "subject",
    "tier",
    "title",
    "path",
    "fingerprint",
)
STEP_COLUMNS = (
    "route",
    "step",
    "source",
    "mechanism",
    "target",
    "conditional",
    "cross_boundary",
    "conditions",
    "evidence",
)
# A spreadsheet runs a cell that opens with one of these as a formula.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def principal_tiers(graph: TrustGraph) -> dict[str, str]:
    """Tier of each identity: its ``tier`` attribute, else the tier query."""
    tiers = {
        p.node_id: str(p.attributes["tier"])
        for p in graph.principals()
        if p.attributes.get("tier")
    }
    try:
        from queries.tiers import identity_tiers
    except ImportError:
        return tiers
    derived = {node_id: str(t.tier) for node_id, t in identity_tiers(graph).items()}
    return {**derived, **tiers}


def findings_frame(
    graph: TrustGraph,
    findings: Iterable[Finding],
    tiers: Mapping[str, str],
) -> pd.DataFrame:
    """One row per finding, worst first, with the subject's cloud and container."""
    rows = []
    for finding in findings:
        subject = finding.subject
        known = subject in graph
        rows.append(
            {
                "severity": str(finding.severity),
                "rule": finding.rule,
                "cloud": str(graph.principal(subject).cloud) if known else "",
                "container": graph.container_of(subject),
                "subject": subject,
                "tier": tiers.get(subject, ""),
                "title": finding.title,
                "path": " → ".join(finding.path),
                "fingerprint": finding.fingerprint,
            }
        )
    return pd.DataFrame(rows, columns=list(FINDING_COLUMNS))


def filter_findings(
    frame: pd.DataFrame,
    selected: Mapping[str, Iterable[str]],
) -> pd.DataFrame:
    """Rows whose value in each named column is one of the chosen values.

    A column with nothing chosen is not filtered.
    """
    mask = pd.Series(True, index=frame.index)
    for column, values in selected.items():
        chosen = list(values)
        if chosen:
            mask &= frame[column].isin(chosen)
    return frame[mask].reset_index(drop=True)


def csv_safe(value: object) -> object:
    """Prefix a quote to text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def findings_csv(frame: pd.DataFrame) -> bytes:
    safe = frame.map(csv_safe)
    safe.columns = [str(csv_safe(c)) for c in frame.columns]
    text: str = safe.to_csv(index=False)
    return text.encode("utf-8")


def findings_json(findings: Iterable[Finding]) -> bytes:
    document = {"findings": [f.to_json() for f in findings]}
    return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")


def condition_text(condition: Condition) -> str:
    values = ", ".join(condition.values)
    return f"{condition.operator} {condition.key} [{values}] ({condition.verdict})"


def edge_conditions_text(edge: TrustEdge) -> str:
    return "; ".join(condition_text(c) for c in edge.conditions)


def evidence_text(evidence: Iterable[Evidence]) -> str:
    return "; ".join(str(e) for e in evidence)


def route_steps_frame(routes: Iterable[Route]) -> pd.DataFrame:
    """Every route step by step, with its conditions and evidence."""
    rows = []
    for number, route in enumerate(routes, start=1):
        for step, edge in enumerate(route.edges, start=1):
            rows.append(
                {
                    "route": number,
                    "step": step,
                    "source": edge.source,
                    "mechanism": str(edge.mechanism),
                    "target": edge.target,
                    "conditional": edge.conditional,
                    "cross_boundary": edge.cross_boundary,
                    "conditions": edge_conditions_text(edge),
                    "evidence": evidence_text(edge.evidence),
                }
            )
    return pd.DataFrame(rows, columns=list(STEP_COLUMNS))


def edges_frame(edges: Iterable[TrustEdge], *, side: str) -> pd.DataFrame:
    """Trust edges of one principal; ``side`` names the far end's column."""
    rows = [
        {
            side: edge.source if side == "source" else edge.target,
            "mechanism": str(edge.mechanism),
            "conditional": edge.conditional,
            "cross_boundary": edge.cross_boundary,
            "conditions": edge_conditions_text(edge),
            "evidence": evidence_text(edge.evidence),
        }
        for edge in edges
    ]
    columns = [side, "mechanism", "conditional", "cross_boundary"]
    return pd.DataFrame(rows, columns=[*columns, "conditions", "evidence"])


def principals_frame(graph: TrustGraph, node_ids: Iterable[str]) -> pd.DataFrame:
    """Id, kind, container and admin mark of each principal, sorted by id."""
    rows = []
    for node_id in sorted(node_ids):
        principal = graph.principal(node_id)
        rows.append(
            {
                "id": node_id,
                "kind": str(principal.kind),
                "container": principal.container_id,
                "admin": graph.is_admin(node_id),
            }
        )
    return pd.DataFrame(rows, columns=["id", "kind", "container", "admin"])


def mapping_frame(values: Mapping[str, object], *, name: str) -> pd.DataFrame:
    """A key/value mapping (tags, attributes) as two text columns."""
    rows = [{name: str(k), "value": _plain(v)} for k, v in sorted(values.items())]
    return pd.DataFrame(rows, columns=[name, "value"])


def _plain(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str, sort_keys=True)
