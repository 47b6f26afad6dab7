"""Render stage: Markdown report through a Jinja2 template.

Markdown is not HTML, so autoescape is off; every value printed from a
template goes through :func:`reports.text.md_escape` (the environment's
``finalize``), so no cloud-supplied name can become markup.
"""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined

from reports.document import ReportDocument
from reports.text import md_escape, short_id
from reports.view import report_view

_ENV = Environment(
    loader=PackageLoader("reports", "templates"),
    autoescape=False,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    finalize=md_escape,
    keep_trailing_newline=True,
)
_ENV.filters["short"] = short_id


def render_markdown(document: ReportDocument) -> str:
    return _ENV.get_template("report.md.j2").render(view=report_view(document))
