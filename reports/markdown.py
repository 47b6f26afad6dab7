"""Render stage: Markdown report through a Jinja2 template."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined

from reports.document import ReportDocument

_ENV = Environment(
    loader=PackageLoader("reports", "templates"),
    autoescape=False,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def md_escape(text: object) -> str:
    """Cloud names must not become Markdown or HTML markup."""
    out = []
    for ch in str(text):
        if ch in "\\`*_{}[]()#+-.!|<>&":
            out.append(f"&#{ord(ch)};" if ch in "<>&" else "\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append("?")
    return "".join(out)


_ENV.filters["md"] = md_escape


def render_markdown(document: ReportDocument) -> str:
    return _ENV.get_template("report.md.j2").render(doc=document)
