"""Render stage: one entry point that picks the renderer by format name."""

from __future__ import annotations

import json
from collections.abc import Callable

from reports.document import ReportDocument
from reports.html import render_html
from reports.markdown import render_markdown
from reports.sarif import render_sarif
from reports.table import render_table

# Characters that would end a <script> block or start markup if the JSON is
# ever embedded in HTML; the \u escapes decode to the same strings.
_JSON_HTML_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def render_json(document: ReportDocument) -> str:
    text = json.dumps(document.to_json(), indent=2, ensure_ascii=True)
    return text.translate(_JSON_HTML_SAFE)


RENDERERS: dict[str, Callable[[ReportDocument], str]] = {
    "table": render_table,
    "json": render_json,
    "markdown": render_markdown,
    "html": render_html,
    "sarif": render_sarif,
}

FORMATS = tuple(RENDERERS)


def render(document: ReportDocument, fmt: str) -> str:
    """Render ``document`` in format ``fmt`` (a key of :data:`RENDERERS`)."""
    return RENDERERS[fmt](document)
