"""The ``crosstrust report`` command: rules, baseline, suppressions, history, gate."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from crosstrust import load_graph
from graph.errors import CrosstrustError
from graph.model import Severity
from queries.findings import RuleOptions, evaluate_rules
from reports.baseline import load_baseline
from reports.document import ReportDocument, assemble_report
from reports.history import record_run
from reports.render import FORMATS, render
from reports.suppressions import load_suppressions
from reports.text import printable

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

SEVERITIES = [str(s) for s in Severity]
GATE_LISTED = 20

EPILOG = """\b
Exit codes:
  0  report written; no gate, or no new finding at or above --fail-on
  1  --fail-on: a new finding (not in --baseline, not suppressed) at or
     above the given severity exists
  2  usage or input error (unreadable input, baseline, suppressions or
     history file)

\b
Scheduled use: keep the previous run's JSON and pass it as --baseline;
only findings that are new since then trip --fail-on.
"""


def fail_cleanly(func: F) -> F:
    """The project's own errors become a one-line message and exit 2.

    Kept here rather than imported from :mod:`crosstrust.cli`, which
    imports this module to register the command.
    """

    @wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CrosstrustError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)

    return run  # type: ignore[return-value]


class ReportOutputError(CrosstrustError):
    """The report file cannot be written; names the file."""


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        click.echo(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ReportOutputError(f"{out}: cannot write the report: {exc}") from None
    click.echo(f"wrote {out}", err=True)


def _as_of(value: date | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    return datetime(value.year, value.month, value.day, 12, tzinfo=UTC)


@click.command(epilog=EPILOG)
@click.argument(
    "inputs",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, path_type=Path),
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option("--out", type=click.Path(path_type=Path), help="Write to a file.")
@click.option(
    "--min-severity",
    type=click.Choice(SEVERITIES),
    default="info",
    show_default=True,
    help="Hide findings below this severity.",
)
@click.option(
    "--baseline",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Previous JSON report: mark findings new / unchanged / resolved.",
)
@click.option(
    "--suppressions",
    "suppressions_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML of accepted findings (fingerprint or rule + subject glob, "
    "with reason, owner, expires).",
)
@click.option(
    "--history",
    "history_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file to append this run's KPIs and fingerprints to.",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    help="Exit 1 when a new, unsuppressed finding at or above this exists.",
)
@click.option(
    "--stale-days",
    type=click.IntRange(min=1),
    default=90,
    show_default=True,
    help="identity.stale: unused for longer than this.",
)
@click.option(
    "--key-age-days",
    type=click.IntRange(min=1),
    default=90,
    show_default=True,
    help="credential.long-lived: active keys older than this.",
)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Judge ages and suppression expiry as of this date (default: now).",
)
@fail_cleanly
def report(
    inputs: tuple[Path, ...],
    fmt: str,
    out: Path | None,
    min_severity: str,
    baseline: Path | None,
    suppressions_file: Path | None,
    history_file: Path | None,
    fail_on: str | None,
    stale_days: int,
    key_age_days: int,
    as_of: datetime | None,
) -> None:
    """Report risky trusts, escalation routes and hygiene findings."""
    options = RuleOptions(
        now=_as_of(as_of.date() if as_of else None),
        stale_days=stale_days,
        key_age_days=key_age_days,
    )
    past = load_baseline(baseline) if baseline else None
    accepted = load_suppressions(suppressions_file) if suppressions_file else []

    graph = load_graph(*inputs)
    document = assemble_report(
        graph,
        evaluate_rules(graph, options),
        options,
        min_severity=Severity(min_severity),
        baseline=past,
        suppressions=accepted,
    )
    _emit(render(document, fmt), out)
    _warn_expired(document)

    if history_file is not None:
        run_id = record_run(history_file, document)
        click.echo(f"recorded run {run_id} in {history_file}", err=True)
    if fail_on is not None:
        _gate(document, Severity(fail_on))


def _warn_expired(document: ReportDocument) -> None:
    for suppression in document.expired_suppressions:
        click.echo(
            f"warning: suppression {printable(suppression.source)} expired on "
            f"{suppression.expires} (owner {printable(suppression.owner)})",
            err=True,
        )


def _gate(document: ReportDocument, floor: Severity) -> None:
    failing = document.new_findings(floor)
    if not failing:
        return
    click.echo(f"gate: {len(failing)} new finding(s) at or above {floor}", err=True)
    for finding in failing[:GATE_LISTED]:
        click.echo(
            f"  {finding.severity} {finding.rule} {printable(finding.subject)}",
            err=True,
        )
    if len(failing) > GATE_LISTED:
        click.echo(f"  ... and {len(failing) - GATE_LISTED} more", err=True)
    sys.exit(1)
