"""Render stage: one entry point that picks the renderer by format name."""

from __future__ import annotations

import json
from collections.abc import Callable

from reports.document import ReportDocument
from reports.markdown import render_markdown
from reports.table import render_table


def render_json(document: ReportDocument) -> str:
    return json.dumps(document.to_json(), indent=2, ensure_ascii=False)


RENDERERS: dict[str, Callable[[ReportDocument], str]] = {
    "table": render_table,
    "json": render_json,
    "markdown": render_markdown,
}


def render(document: ReportDocument, fmt: str) -> str:
    """Render ``document`` in format ``fmt`` (a key of :data:`RENDERERS`)."""
    return RENDERERS[fmt](document)
