"""Render stage, interactive: the Paths page (every route between two principals)."""

from __future__ import annotations

import streamlit as st

from crosstrust.explorer import data, keys
from crosstrust.explorer.widgets import counted, md, pick_principal, show_routes
from queries.paths import ADMIN

ANY_ADMIN = "any admin"
MAX_ROUTES = 25


def _target_label(option: str) -> str:
    return ANY_ADMIN if option == ADMIN else option


def paths() -> None:
    graph = data.current_graph()
    digest = data.current_source().digest
    ids = data.principal_ids_for(graph, digest)
    st.title("Paths")
    if not ids:
        st.info("The graph holds no principals.")
        return

    # Open on a principal that has something to show: one that reaches admin.
    reaching = data.admin_reachers_for(graph, digest)
    labels = data.picker_labels_for(graph, digest)
    source_column, target_column, limit_column = st.columns([5, 5, 2])
    with source_column:
        source = pick_principal(
            "Source principal (type to search)",
            ids,
            key=keys.PATHS_SOURCE,
            default=reaching[0] if reaching else "",
            format_func=lambda i: labels.get(i, i),
        )
    with target_column:
        target = pick_principal(
            "Target principal, or any admin (type to search)",
            ids,
            key=keys.PATHS_TARGET,
            pinned=(ADMIN,),
            format_func=lambda i: labels.get(i, _target_label(i)),
        )
    limit = limit_column.number_input(
        "At most",
        min_value=1,
        max_value=MAX_ROUTES,
        value=10,
        key=keys.PATHS_LIMIT,
    )

    routes = data.routes_for(graph, digest, source, target, int(limit))
    found = counted(len(routes), "route")
    st.caption(f"{found} to {md(_target_label(target))}.")
    show_routes(graph, routes, key="paths.steps")
