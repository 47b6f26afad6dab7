"""The command line: thin commands over load, graph, queries and reports.

Exit codes: 0 success; 1 a gate failed (``--fail-on``); 2 usage or input error;
3 a collection was written but is partial.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from crosstrust import __version__, load_graph
from graph.errors import CrosstrustError
from graph.model import Severity
from graph.trustgraph import TrustGraph
from queries.paths import ADMIN, routes_between, routes_to_admin

logger = logging.getLogger("crosstrust")

F = TypeVar("F", bound=Callable[..., Any])

SEVERITIES = [str(s) for s in Severity]
INPUTS = click.argument(
    "inputs",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, path_type=Path),
)


def _fail_cleanly(func: F) -> F:
    """Turn the project's own errors into a one-line message and exit 2."""

    @wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CrosstrustError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)

    return run  # type: ignore[return-value]


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        click.echo(text)
        return
    out.write_text(text, encoding="utf-8")
    click.echo(f"wrote {out}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="crosstrust")
@click.option(
    "-v", "--verbose", count=True, help="More log output (-v info, -vv debug)."
)
def main(verbose: int) -> None:
    """Who can become whom across AWS, GCP and Azure.

    Point crosstrust at snapshot folders or at the clouds' own CLI exports
    (files are recognised by content, not by name). Exit codes: 0 success,
    1 a --fail-on gate found a new finding, 2 usage or input error, 3 a
    collection was written but some scope could not be read fully.
    """
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


@main.command()
@INPUTS
@click.option("--from", "source", required=True, help="Source principal id.")
@click.option(
    "--to",
    "target",
    required=True,
    help="Target principal id, or 'admin' for any admin.",
)
@click.option(
    "--limit", default=10, show_default=True, help="At most this many routes."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
@_fail_cleanly
def paths(
    inputs: tuple[Path, ...],
    source: str,
    target: str,
    limit: int,
    fmt: str,
) -> None:
    """List routes from one principal to another (or to any admin)."""
    graph = load_graph(*inputs)
    if target == ADMIN:
        routes = routes_to_admin(graph, source, limit=limit)
    else:
        routes = routes_between(graph, source, target, limit=limit)
    if fmt == "json":
        click.echo(json.dumps({"paths": [r.to_json() for r in routes]}, indent=2))
        return
    from reports.table import render_routes_table

    click.echo(render_routes_table(routes))


@main.command("graph")
@INPUTS
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "summary"]),
    default="summary",
    show_default=True,
)
@_fail_cleanly
def graph_command(inputs: tuple[Path, ...], fmt: str) -> None:
    """Print the built graph as node-link JSON, or a summary of counts."""
    graph: TrustGraph = load_graph(*inputs)
    if fmt == "json":
        click.echo(json.dumps(graph.to_node_link(), indent=2))
        return
    for key, value in sorted(graph.summary().items()):
        click.echo(f"{key:40} {value}")


from crosstrust.collect_azure_cmd import collect_azure_command  # noqa: E402
from crosstrust.collect_cmd import collect  # noqa: E402
from crosstrust.collect_gcp_cmd import collect_gcp_command  # noqa: E402
from crosstrust.explore_cmd import explore  # noqa: E402
from crosstrust.history_cmd import history  # noqa: E402
from crosstrust.neo4j_cmd import neo4j  # noqa: E402
from crosstrust.report_cmd import report  # noqa: E402

main.add_command(collect)
main.add_command(explore)
main.add_command(neo4j)
main.add_command(report)
main.add_command(history)
collect.add_command(collect_gcp_command)
collect.add_command(collect_azure_command)

if __name__ == "__main__":
    main()
