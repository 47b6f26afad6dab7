"""Render stage, interactive: the Findings page (filter, sort, inspect, download)."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from crosstrust.explorer import data, keys
from crosstrust.explorer.tables import (
    evidence_text,
    filter_findings,
    findings_csv,
    findings_json,
)
from crosstrust.explorer.widgets import show_routes
from graph.model import Finding, Severity
from graph.trustgraph import TrustGraph
from queries.paths import Route

# (column, label, widget key); tier shows only when some principal has one.
FILTERS = (
    ("cloud", "Cloud", keys.FINDINGS_CLOUD),
    (
        "container",
        "Container (account / project / subscription)",
        keys.FINDINGS_CONTAINER,
    ),
    ("severity", "Severity", keys.FINDINGS_SEVERITY),
    ("rule", "Rule", keys.FINDINGS_RULE),
    ("tier", "Tier", keys.FINDINGS_TIER),
)
_SEVERITY_ORDER = [str(s) for s in Severity]


def _options(frame: pd.DataFrame, column: str) -> list[str]:
    values = {v for v in frame[column] if v}
    if column == "severity":
        return [s for s in _SEVERITY_ORDER if s in values]
    return sorted(values)


def _filters(frame: pd.DataFrame) -> dict[str, list[str]]:
    chosen: dict[str, list[str]] = {}
    shown = [f for f in FILTERS if _options(frame, f[0])]
    columns = st.columns(max(1, len(shown)))
    for slot, (column, label, key) in zip(columns, shown, strict=True):
        with slot:
            chosen[column] = st.multiselect(label, _options(frame, column), key=key)
    return chosen


def _detail(graph: TrustGraph, finding: Finding) -> None:
    st.subheader("Selected finding")
    st.text(f"{finding.severity}  {finding.rule}\n{finding.subject}")
    if finding.title:
        st.text(finding.title)
    if finding.remediation:
        st.text(f"Remediation: {finding.remediation}")
    evidence = pd.DataFrame(
        [e.to_json() for e in finding.evidence],
        columns=["document", "statement", "detail"],
    )
    st.dataframe(evidence, hide_index=True)
    if finding.edges:
        route = Route(nodes=finding.path, edges=finding.edges)
        show_routes(graph, [route], key="findings.route")
    elif finding.path:
        st.text("Path: " + " → ".join(finding.path))
        st.text("Evidence: " + evidence_text(finding.evidence))


def findings() -> None:
    graph = data.current_graph()
    digest = data.current_source().digest
    frame = data.findings_table_for(graph, digest)
    st.title("Findings")

    shown = filter_findings(frame, _filters(frame))
    st.caption(f"{len(shown)} of {len(frame)} findings. Click a header to sort.")
    event = st.dataframe(
        shown,
        hide_index=True,
        key=keys.FINDINGS_TABLE,
        on_select="rerun",
        selection_mode="single-row",
        column_config={"fingerprint": st.column_config.TextColumn(width="small")},
    )

    by_fingerprint = {f.fingerprint: f for f in data.report_for(graph, digest).findings}
    chosen = [by_fingerprint[fp] for fp in shown["fingerprint"]]
    csv_column, json_column = st.columns(2)
    # Callables: the files are built on click, not on every rerun.
    csv_column.download_button(
        "Download CSV",
        partial(findings_csv, shown),
        file_name="crosstrust-findings.csv",
        mime="text/csv",
    )
    json_column.download_button(
        "Download JSON",
        partial(findings_json, chosen),
        file_name="crosstrust-findings.json",
        mime="application/json",
    )

    rows = event.selection.rows if event is not None else []
    if rows and rows[0] < len(chosen):
        _detail(graph, chosen[rows[0]])
    else:
        st.caption("Select a row to see its evidence and route.")
