"""Render stage: one self-contained HTML report (inline CSS, no network).

Autoescape is on for every value, and control characters are made
visible first, so cloud-supplied names stay text.
"""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined

from reports.document import ReportDocument
from reports.text import html_finalize
from reports.view import report_view

_ENV = Environment(
    loader=PackageLoader("reports", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    finalize=html_finalize,
)


def render_html(document: ReportDocument) -> str:
    return _ENV.get_template("report.html.j2").render(view=report_view(document))
