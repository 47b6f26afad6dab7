"""Render stage, interactive: the explorer's frame: source picker, caches, pages.

Run by ``streamlit run app.py`` or ``crosstrust explore``; inputs come from
the ``CROSSTRUST_INPUTS`` environment variable (a JSON list of paths) or an
upload, and default to the bundled sample.
"""

from __future__ import annotations

import logging
import os

import pandas as pd
import streamlit as st

from crosstrust.explorer import data, keys
from crosstrust.explorer.views.accounts import accounts
from crosstrust.explorer.views.findings import findings
from crosstrust.explorer.views.overview import coverage_frame, overview
from crosstrust.explorer.views.paths import paths
from crosstrust.explorer.views.principal import principal
from crosstrust.explorer.widgets import md
from graph.errors import CrosstrustError

logger = logging.getLogger(__name__)

# One function per name of keys.PAGE_NAMES, in the same order.
PAGES = (overview, findings, paths, principal, accounts)


def _choose_source() -> data.Source:
    """Uploaded files when there are some, else the command line's inputs."""
    st.sidebar.title("crosstrust")
    uploads = st.sidebar.file_uploader(
        f"Exports or a snapshot zip (at most {data.MAX_UPLOAD_MB} MB)",
        accept_multiple_files=True,
        key=keys.UPLOAD,
    )
    if uploads:
        return data.source_for_uploads(list(uploads))
    paths = data.inputs_from_environment()
    return data.source_from_paths(paths, "inputs: " + ", ".join(paths))


def _refuse_empty(graph_size: int, source: data.Source) -> None:
    """Stop with the coverage gaps when nothing in the inputs was recognised."""
    if graph_size:
        return
    graph = data.graph_for(source.paths, source.digest)
    st.error(
        "Nothing in these inputs was recognised as a cloud identity export. "
        "The table lists what was read and why it was skipped."
    )
    if graph.coverage:
        st.dataframe(coverage_frame(graph.coverage), hide_index=True)
    st.stop()


def _pages() -> list[st.Page]:
    start = os.environ.get(keys.ENV_START_PAGE, keys.PAGE_NAMES[0])
    return [
        st.Page(func, title=url.capitalize(), url_path=url, default=url == start)
        for func, url in zip(PAGES, keys.PAGE_NAMES, strict=True)
    ]


def main() -> None:
    st.set_page_config(page_title="crosstrust explorer", layout="wide")
    logging.basicConfig(level=logging.WARNING)
    try:
        source = _choose_source()
        graph = data.graph_for(source.paths, source.digest)
    except CrosstrustError as exc:
        st.error(md(exc))
        st.stop()
    _refuse_empty(len(graph), source)

    st.session_state[keys.SOURCE] = source
    st.sidebar.text(source.label)
    summary = graph.summary()
    st.sidebar.dataframe(
        pd.DataFrame(
            [
                ("principals", summary["nodes"]),
                ("trust edges", summary["edges"]),
                ("admins", summary["admins"]),
                ("coverage gaps", summary["coverage_gaps"]),
            ],
            columns=["", "count"],
        ),
        hide_index=True,
    )
    if graph.coverage:
        st.sidebar.warning("Some inputs were not read fully: see Overview.")
    st.navigation(_pages()).run()


if __name__ == "__main__":
    main()
