"""Render stage: terminal tables that fit 100 columns."""

from __future__ import annotations

import textwrap
from io import StringIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from queries.paths import Route
from reports.document import ReportDocument
from reports.text import printable, short_id
from reports.view import report_view

WIDTH = 100
# rich folds a cell character by character; a megabyte name would take minutes.
MAX_CELL = 2000


def _console(buffer: StringIO) -> Console:
    return Console(
        file=buffer,
        width=WIDTH,
        no_color=True,
        highlight=False,
        emoji=False,
        force_terminal=False,
    )


def _short(node_id: str) -> str:
    return short_id(node_id)


def _clean(text: object) -> str:
    """Terminal escapes and markup from cloud data must stay inert."""
    shown = printable(text)
    if len(shown) > MAX_CELL:
        shown = f"{shown[:MAX_CELL]}… ({len(shown) - MAX_CELL} more characters)"
    return escape(shown)


def render_table(document: ReportDocument) -> str:
    """Scorecard, findings (worst first), suppressions, resolved, coverage."""
    buffer = StringIO()
    console = _console(buffer)
    view = report_view(document)

    scorecard = Table(title="scorecard", expand=False)
    scorecard.add_column("measure", overflow="fold", max_width=36)
    scorecard.add_column("value", no_wrap=True, justify="right")
    scorecard.add_column("detail", overflow="fold")
    for tile in view.tiles:
        scorecard.add_row(_clean(tile.label), _clean(tile.value), _clean(tile.detail))
    console.print(scorecard)

    console.file.write(_findings_text(document))
    if document.resolved:
        console.file.write(_resolved_text(document))
    if document.suppressions or document.expired_suppressions:
        console.print(_suppressions_table(document))
    if document.register:
        console.file.write(_register_text(document))
    if document.coverage:
        gaps = Table(title="coverage gaps", expand=False)
        gaps.add_column("scope", overflow="fold")
        gaps.add_column("reason", overflow="fold")
        for gap in document.coverage:
            gaps.add_row(_clean(gap.scope), _clean(f"{gap.reason}: {gap.detail}"))
        console.print(gaps)
    return buffer.getvalue()


# Findings and resolved lists can run to tens of thousands of rows; they
# are laid out as plain wrapped text, which stays fast at that size.
_GUTTER = " " * 21


def _block(first: str, lines: list[str]) -> list[str]:
    """``first`` in the left columns, ``lines`` wrapped beside it."""
    out = []
    for number, line in enumerate(lines):
        wrapped = textwrap.wrap(
            printable(line),
            width=WIDTH - len(_GUTTER),
            break_on_hyphens=False,
        ) or [""]
        for part in wrapped:
            lead = first if number == 0 and not out else _GUTTER
            out.append(f"{lead}{part}")
    return out


def _section(title: str) -> list[str]:
    return ["", title, "-" * min(WIDTH, max(len(title), 40))]


def _findings_text(document: ReportDocument) -> str:
    lines = _section(f"{len(document.findings)} findings (worst first)")
    for finding in document.findings:
        details = [finding.rule, _short(finding.subject)]
        if finding.path:
            details.append("route " + " -> ".join(_short(n) for n in finding.path))
        if finding.title:
            details.append(finding.title)
        status = str(document.status_of(finding))
        lines += _block(f"{finding.severity!s:<9}{status:<10}  ", details)
    return "\n".join(lines) + "\n"


def _resolved_text(document: ReportDocument) -> str:
    lines = _section(f"{len(document.resolved)} resolved since the baseline")
    for past in document.resolved:
        details = [past.rule, _short(past.subject)]
        lines += _block(f"{past.severity!s:<9}{'resolved':<10}  ", details)
    return "\n".join(lines) + "\n"


def _register_text(document: ReportDocument) -> str:
    """Every outside party that can become something inside, and how."""
    count = len(document.register)
    lines = _section(f"external trust register: {count} outside trusts")
    for trust in document.register:
        pins = [
            f"{c.operator} {c.key}={','.join(c.values)} ({c.verdict})"
            for c in trust.conditions
        ]
        details = [
            f"{_short(trust.party)} ({trust.party_kind})",
            f"-> {_short(trust.target)} via {trust.mechanism}",
            "conditions: " + ("; ".join(pins) if pins else "none"),
        ]
        lines += _block(f"{'outside':<21}", details)
    return "\n".join(lines) + "\n"


def _suppressions_table(document: ReportDocument) -> Table:
    table = Table(title="suppressions", expand=False)
    table.add_column("state", no_wrap=True)
    table.add_column("accepts", overflow="fold", max_width=34)
    table.add_column("owner / expires / reason", overflow="fold")
    rows = [("active", s) for s in document.suppressions]
    rows += [("EXPIRED", s) for s in document.expired_suppressions]
    for state, suppression in rows:
        target = (
            suppression.fingerprint or f"{suppression.rule} on {suppression.subject}"
        )
        detail = f"{suppression.owner}, {suppression.expires}: {suppression.reason}"
        table.add_row(state, _clean(target), _clean(detail))
    return table


def render_routes_table(routes: list[Route]) -> str:
    """Each route step by step: mechanism, target and whether it is conditional."""
    buffer = StringIO()
    console = _console(buffer)
    if not routes:
        console.print("no route")
    for number, route in enumerate(routes, start=1):
        table = Table(
            title=f"route {number}: {len(route)} step{'s' if len(route) != 1 else ''}",
            expand=False,
        )
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
