"""Render stage, interactive: the Accounts page (which container reaches which)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from crosstrust.explorer import data, keys
from crosstrust.explorer.matrix import crossing_only
from crosstrust.explorer.widgets import counted, show_routes
from graph.trustgraph import TrustGraph

# Past this many containers the matrix shows only those that cross a boundary.
FULL_MATRIX_LIMIT = 40


def _label(graph: TrustGraph, container_id: str) -> str:
    """Container id with its name when the graph knows one."""
    if container_id in graph:
        name = graph.principal(container_id).name
        if name and name != container_id:
            return f"{container_id} ({name})"
    return container_id


def _headers(graph: TrustGraph, container_ids: list[str]) -> dict[str, str]:
    """Matrix headers: container names when they are known and unique, else ids."""
    names = {}
    for container_id in container_ids:
        known = container_id in graph and graph.principal(container_id).name
        names[container_id] = known or container_id
    if len(set(names.values())) < len(names):
        return {c: c for c in container_ids}
    return names


def _first_cell(matrix: pd.DataFrame) -> tuple[str, str]:
    """Row and column labels of the first non-zero cell, to open on something."""
    rows, columns = matrix.to_numpy().nonzero()
    if len(rows):
        return matrix.index[rows[0]], matrix.columns[columns[0]]
    return matrix.index[0], matrix.columns[min(1, len(matrix.columns) - 1)]


def _follow_clicked_cell(
    matrix: pd.DataFrame,
    headers: dict[str, str],
    cells: list[tuple[int, str]],
) -> None:
    """A newly clicked cell sets both pickers; the pickers stay free after."""
    if not cells or st.session_state.get(keys.ACCOUNTS_CELL) == list(cells[0]):
        return
    row, column = cells[0]
    by_header = {header: c for c, header in headers.items()}
    st.session_state[keys.ACCOUNTS_CELL] = list(cells[0])
    st.session_state[keys.ACCOUNTS_SOURCE] = matrix.index[row]
    st.session_state[keys.ACCOUNTS_TARGET] = by_header.get(column, column)


def accounts() -> None:
    graph = data.current_graph()
    digest = data.current_source().digest
    matrix = data.matrix_for(graph, digest)
    st.title("Accounts")
    if matrix.empty:
        st.info("The graph holds no containers with principals.")
        return

    st.caption(
        "Rows reach columns: each cell counts the principals of the column's "
        "container that some principal of the row's container can obtain. "
        "Reach inside one container is left out. Click a cell for its routes."
    )
    shown = matrix if len(matrix) <= FULL_MATRIX_LIMIT else crossing_only(matrix)
    if shown is not matrix:
        st.caption(
            f"{len(matrix)} containers: only those that reach, or are reached "
            f"from, another container are shown ({len(shown)} rows)."
        )
    headers = _headers(graph, list(matrix.index))
    event = st.dataframe(
        shown.rename(index=headers, columns=headers),
        key=keys.ACCOUNTS_MATRIX,
        on_select="rerun",
        selection_mode="single-cell",
    )
    _follow_clicked_cell(shown, headers, event.selection.cells if event else [])

    labels = list(matrix.index)
    row, column = (labels.index(label) for label in _first_cell(matrix))
    source_column, target_column = st.columns(2)
    source = source_column.selectbox(
        "From container",
        labels,
        index=row,
        format_func=lambda c: _label(graph, c),
        key=keys.ACCOUNTS_SOURCE,
    )
    target = target_column.selectbox(
        "To container",
        labels,
        index=column,
        format_func=lambda c: _label(graph, c),
        key=keys.ACCOUNTS_TARGET,
    )
    if source == target:
        st.info("Pick two different containers.")
        return
    routes = data.container_routes_for(graph, digest, source, target)
    reached = counted(len(routes), "route")
    st.caption(f"{reached}: one shortest route to each principal reached.")
    show_routes(graph, routes, key="accounts.steps")
