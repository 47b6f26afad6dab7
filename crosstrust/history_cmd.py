"""The ``crosstrust history`` command: the trend of recorded report runs."""

from __future__ import annotations

import json
from pathlib import Path

import click

from crosstrust.report_cmd import fail_cleanly
from reports.history import load_trend, render_trend_table


@click.command()
@click.argument("database", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--last",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Show at most this many recent runs.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
@fail_cleanly
def history(database: Path, last: int, fmt: str) -> None:
    """Print the KPI trend of runs recorded with report --history."""
    rows = load_trend(database, last=last)
    if fmt == "json":
        click.echo(json.dumps({"runs": [r.to_json() for r in rows]}, indent=2))
        return
    click.echo(render_trend_table(rows), nl=False)
