"""Render stage, interactive: small Streamlit pieces the explorer pages share.

Cloud-supplied text reaches the page only as data (tables, code blocks, plain
text) or through :func:`md`, never as raw Markdown.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from crosstrust.explorer import data
from crosstrust.explorer.tables import route_steps_frame
from graph.trustgraph import TrustGraph
from queries.paths import Route
from reports.markdown import md_escape

GRAPH_HEIGHT = 520
# A selectbox sends every option on each rerun; past this many, filter first.
PICKER_LIMIT = 2000


def md(text: object) -> str:
    """Cloud text made inert for any Streamlit element that reads Markdown."""
    return md_escape(text)


def pick_principal(
    label: str,
    ids: list[str],
    *,
    key: str,
    default: str = "",
    pinned: tuple[str, ...] = (),
    format_func: Callable[[str], str] = str,
) -> str:
    """A type-ahead picker; on large graphs a filter box narrows it first.

    ``pinned`` options (such as "any admin") always lead the list.
    """
    options = ids
    if len(ids) > PICKER_LIMIT:
        needle = st.text_input(
            f"Filter the {len(ids)} principals by part of their id or name",
            key=f"{key}.filter",
        ).lower()
        matches = (
            [i for i in ids if needle in format_func(i).lower()] if needle else ids
        )
        options = matches[:PICKER_LIMIT]
        if default in ids and default not in options:
            options = [default, *options]
    options = [*pinned, *options]
    index = options.index(default) if default in options else 0
    chosen: str = st.selectbox(
        label,
        options,
        index=index,
        format_func=format_func,
        key=key,
    )
    return chosen


def counted(number: int, noun: str) -> str:
    """``1 route``, ``3 routes``."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def embed_html(html: str, *, height: int = GRAPH_HEIGHT) -> None:
    """Show a self-contained HTML page in an iframe."""
    if hasattr(st, "iframe"):
        st.iframe(html, height=height + 20)
        return
    from streamlit.components.v1 import html as components_html

    components_html(html, height=height + 20, scrolling=True)


def route_key(routes: list[Route]) -> tuple[tuple[str, ...], ...]:
    """Cache key of some routes: their node ids and mechanisms."""
    return tuple((*r.nodes, *(str(e.mechanism) for e in r.edges)) for r in routes)


def show_routes(graph: TrustGraph, routes: list[Route], *, key: str) -> None:
    """The routes drawn as a graph next to their step-by-step table."""
    if not routes:
        st.info("No route.")
        return
    digest = data.current_source().digest
    drawing, steps = st.columns([3, 2])
    with drawing:
        embed_html(data.routes_html_for(graph, digest, routes, route_key(routes)))
        st.caption(
            "Colour: cloud. Shape: kind. Red border: admin. "
            "Dashed: conditional. Red edge: crosses a container boundary."
        )
    with steps:
        st.dataframe(
            route_steps_frame(routes),
            hide_index=True,
            key=key,
            column_config={
                "route": st.column_config.NumberColumn(width="small"),
                "step": st.column_config.NumberColumn(width="small"),
                "mechanism": st.column_config.TextColumn(width="small"),
            },
        )
