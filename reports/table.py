"""Render stage: terminal tables that fit 100 columns."""

from __future__ import annotations

from io import StringIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from queries.paths import Route
from reports.document import ReportDocument

WIDTH = 100


def _console(buffer: StringIO) -> Console:
    return Console(file=buffer, width=WIDTH, no_color=True, highlight=False)


def _short(node_id: str) -> str:
    """ARN tails are what a reader scans for; the account stays visible."""
    if node_id.startswith("arn:aws:") and ":" in node_id:
        parts = node_id.split(":", 5)
        if len(parts) == 6:
            return f"{parts[4]}:{parts[5]}"
    return node_id


def _clean(text: str) -> str:
    """Terminal escapes and markup from cloud data must stay inert."""
    printable = "".join(ch if ch.isprintable() or ch == "\n" else "?" for ch in text)
    return escape(printable)


def render_table(document: ReportDocument) -> str:
    """Findings (worst first), then coverage gaps, as plain text tables."""
    buffer = StringIO()
    console = _console(buffer)
    table = Table(title=f"{len(document.findings)} findings", expand=False)
    table.add_column("sev", no_wrap=True)
    table.add_column("rule", no_wrap=True)
    table.add_column("subject / detail", overflow="fold")
    for finding in document.findings:
        detail = _short(finding.subject)
        if len(finding.path) > 2 or finding.rule.startswith("path."):
            detail += "\n  via " + " -> ".join(_short(n) for n in finding.path[1:])
        if finding.title:
            detail += f"\n  {finding.title}"
        table.add_row(str(finding.severity), finding.rule, _clean(detail))
    console.print(table)
    if document.coverage:
        gaps = Table(title="coverage gaps", expand=False)
        gaps.add_column("scope", overflow="fold")
        gaps.add_column("reason", overflow="fold")
        for gap in document.coverage:
            gaps.add_row(_clean(gap.scope), _clean(f"{gap.reason}: {gap.detail}"))
        console.print(gaps)
    return buffer.getvalue()


def render_routes_table(routes: list[Route]) -> str:
    """Each route hop by hop: mechanism, target and whether it is conditional."""
    buffer = StringIO()
    console = _console(buffer)
    if not routes:
        console.print("no route")
    for number, route in enumerate(routes, start=1):
        table = Table(title=f"route {number}: {len(route)} steps", expand=False)
        table.add_column("from", overflow="fold")
        table.add_column("mechanism", no_wrap=True)
        table.add_column("to", overflow="fold")
        table.add_column("conditional", no_wrap=True)
        for edge in route.edges:
            table.add_row(
                _clean(_short(edge.source)),
                str(edge.mechanism),
                _clean(_short(edge.target)),
                "yes" if edge.conditional else "",
            )
        console.print(table)
    return buffer.getvalue()
