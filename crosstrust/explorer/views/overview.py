"""Render stage, interactive: the Overview page (scorecard, trends, coverage)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from crosstrust.explorer import data
from crosstrust.explorer.trends import default_columns, read_trends
from crosstrust.explorer.widgets import md
from graph.model import CoverageGap

HUMAN = "human"
NON_HUMAN = "non_human"
SIDE_LABELS = {HUMAN: "humans", NON_HUMAN: "workloads"}


def _title(kpi: str) -> str:
    return kpi.replace("_", " ").capitalize()


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_split(value: object) -> bool:
    """A KPI that counts human and workload identities apart."""
    return isinstance(value, Mapping) and {HUMAN, NON_HUMAN} <= set(value)


def _leaves(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(value, Mapping):
        rows: list[tuple[str, str]] = []
        for key, item in value.items():
            rows.extend(_leaves(item, f"{prefix}.{key}" if prefix else str(key)))
        return rows
    if isinstance(value, list):
        return [(prefix, ", ".join(map(str, value)) or "-")]
    return [(prefix, "-" if value is None else str(value))]


def _split_value(value: Any) -> str:
    """A human/workload cell: the count, or the ratio of a nested record."""
    if _is_number(value):
        return str(value)
    if isinstance(value, Mapping):
        if _is_number(value.get("ratio")):
            return f"{value['ratio']:.0%}"
        if _is_number(value.get("total")):
            return str(value["total"])
    return "-"


def _scorecard(kpis: Mapping[str, Any]) -> None:
    numbers = {k: v for k, v in kpis.items() if _is_number(v)}
    columns = st.columns(max(1, min(4, len(numbers))))
    for index, (kpi, value) in enumerate(numbers.items()):
        columns[index % len(columns)].metric(_title(kpi), value)

    splits = {k: v for k, v in kpis.items() if _is_split(v)}
    if splits:
        st.subheader("Humans and workloads")
        for kpi, value in splits.items():
            human, workload = st.columns(2)
            human.metric(f"{_title(kpi)}: humans", _split_value(value[HUMAN]))
            workload.metric(f"{_title(kpi)}: workloads", _split_value(value[NON_HUMAN]))

    for kpi, value in kpis.items():
        if kpi in numbers or kpi in splits or not isinstance(value, Mapping):
            continue
        with st.expander(_title(kpi)):
            rows = _leaves(value) or [("-", "none")]
            st.dataframe(pd.DataFrame(rows, columns=["item", "value"]), hide_index=True)


def _trends(history: str) -> None:
    st.subheader("Trends")
    if not history:
        st.caption("Start with `crosstrust explore --history FILE.db` to see trends.")
        return
    trends = read_trends(history)
    if trends.frame is None:
        st.info(md(trends.reason))
        return
    columns = list(trends.frame.columns)
    chosen = st.multiselect("KPIs", columns, default=default_columns(trends.frame))
    if not chosen:
        return
    if trends.frame.index.nunique() < 2:
        st.caption("Every recorded run has the same time: a trend needs two.")
        st.dataframe(trends.frame[chosen])
        return
    st.line_chart(trends.frame[chosen])


def coverage_frame(gaps: list[CoverageGap]) -> pd.DataFrame:
    rows = [g.to_json() for g in gaps]
    return pd.DataFrame(rows, columns=["scope", "reason", "detail", "cloud"])


def overview() -> None:
    graph = data.current_graph()
    source = data.current_source()
    report = data.report_for(graph, source.digest)
    st.title("Overview")
    st.text(f"Source: {source.label}")
    _scorecard(report.kpis)
    _trends(data.history_from_environment())

    st.subheader("Coverage gaps")
    if report.coverage:
        st.warning(f"{len(report.coverage)} inputs or scopes could not be read fully.")
        st.dataframe(coverage_frame(report.coverage), hide_index=True)
    else:
        st.success("Every input was read.")
