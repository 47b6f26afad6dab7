"""The ``crosstrust neo4j`` commands: push a graph to Neo4j, run the Cypher pack."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from crosstrust import load_graph
from graph.errors import CrosstrustError
from graph.store.rows import DEFAULT_BATCH_SIZE

F = TypeVar("F", bound=Callable[..., Any])

URI = click.option(
    "--uri",
    envvar="NEO4J_URI",
    default=None,
    help="Bolt or neo4j URI, e.g. bolt://127.0.0.1:7687 (or NEO4J_URI).",
)
USER = click.option(
    "--user",
    envvar="NEO4J_USER",
    default=None,
    help="User name (or NEO4J_USER); no authentication when absent.",
)
PASSWORD = click.option(
    "--password",
    envvar="NEO4J_PASSWORD",
    default=None,
    help="Password; prefer the NEO4J_PASSWORD variable to the command line.",
)
DATABASE = click.option(
    "--database",
    default=None,
    help="Target database (the server's default when absent).",
)


def _fail_cleanly(func: F) -> F:
    """The project's own errors as one line on stderr and exit code 2."""

    @wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CrosstrustError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)

    return run  # type: ignore[return-value]


def _connect(uri: str | None, user: str | None, password: str | None) -> Any:
    from graph.store.neo4j import connect_neo4j

    if not uri:
        raise click.UsageError("--uri (or NEO4J_URI) is required")
    return connect_neo4j(uri, user, password)


@click.group("neo4j")
def neo4j() -> None:
    """Push the trust graph to Neo4j and ask it the Cypher query pack."""


@neo4j.command("push")
@click.argument(
    "inputs",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, path_type=Path),
)
@URI
@USER
@PASSWORD
@DATABASE
@click.option(
    "--run-id",
    default=None,
    help="Stamp for every node and edge (default: a hash of the graph).",
)
@click.option(
    "--prune",
    is_flag=True,
    help="Remove nodes and edges that another run id wrote.",
)
@click.option(
    "--batch-size",
    default=DEFAULT_BATCH_SIZE,
    show_default=True,
    type=click.IntRange(min=1),
    help="Rows per write transaction.",
)
@_fail_cleanly
def push(
    inputs: tuple[Path, ...],
    uri: str | None,
    user: str | None,
    password: str | None,
    database: str | None,
    run_id: str | None,
    prune: bool,
    batch_size: int,
) -> None:
    """Write the graph of INPUT... into Neo4j (idempotent; MERGE by id)."""
    from graph.store.neo4j import push_neo4j

    node_link = load_graph(*inputs).to_node_link()
    driver = _connect(uri, user, password)
    try:
        result = push_neo4j(
            node_link,
            driver,
            database=database,
            run_id=run_id,
            prune=prune,
            batch_size=batch_size,
        )
    finally:
        driver.close()
    click.echo(json.dumps(result.to_json(), indent=2))


@neo4j.command("query")
@click.argument("name", required=False)
@URI
@USER
@PASSWORD
@DATABASE
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="A query parameter, e.g. --param target=arn:aws:iam::1:role/x.",
)
@click.option("--show", is_flag=True, help="Print the Cypher instead of running it.")
@_fail_cleanly
def query(
    name: str | None,
    uri: str | None,
    user: str | None,
    password: str | None,
    database: str | None,
    params: tuple[str, ...],
    show: bool,
) -> None:
    """Run query NAME of the Cypher pack and print its rows as JSON.

    Without NAME, list the pack.
    """
    from queries.cypher import load_query, parse_param, query_names

    if name is None:
        for known in query_names():
            click.echo(f"{known:28} {load_query(known).description}")
        return
    cypher = load_query(name)
    if show:
        click.echo(cypher.text)
        return
    bound = cypher.bind(dict(parse_param(p) for p in params))

    from graph.store.neo4j import query_neo4j

    driver = _connect(uri, user, password)
    try:
        rows = query_neo4j(driver, cypher.text, bound, database=database)
    finally:
        driver.close()
    document: dict[str, Any] = {"query": name, "params": bound, "rows": rows}
    click.echo(json.dumps(document, indent=2, default=str))
