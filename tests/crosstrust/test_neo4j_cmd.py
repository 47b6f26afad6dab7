"""``crosstrust neo4j``: listing and showing the pack, and clean failures."""

from __future__ import annotations

import json
import socket

import pytest
from click.testing import CliRunner

from crosstrust import load_graph
from crosstrust.cli import main
from queries.cypher import load_query, query_names
from tests.graph.store.recording_driver import RecordingDriver
from tests.queries.pack_cases import sample_inputs


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_query_without_name_lists_the_pack() -> None:
    result = CliRunner().invoke(main, ["neo4j", "query"])

    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.output.splitlines()]
    assert listed == query_names()


def test_show_prints_the_cypher_without_a_server() -> None:
    result = CliRunner().invoke(main, ["neo4j", "query", "who_can_reach", "--show"])

    assert result.exit_code == 0
    assert result.output.strip() == load_query("who_can_reach").text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["query", "who_can_reach", "--uri", "bolt://x"], "needs --param target"),
        (["query", "nope", "--uri", "bolt://x"], "no Cypher query 'nope'"),
        (["query", "routes_to_admin", "--param", "x"], "is not key=value"),
        (["query", "routes_to_admin"], "--uri (or NEO4J_URI) is required"),
    ],
)
def test_bad_queries_fail_with_one_line(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["neo4j", *args], env={"NEO4J_URI": ""})

    assert result.exit_code == 2
    assert message in result.output


def test_push_to_an_unreachable_server_exits_2() -> None:
    inputs = [str(p) for p in sample_inputs()]
    uri = f"bolt://127.0.0.1:{_closed_port()}"

    result = CliRunner().invoke(main, ["neo4j", "push", *inputs, "--uri", uri])

    assert result.exit_code == 2
    assert f"error: cannot reach Neo4j at {uri}" in result.output
    assert not result.output.lstrip().startswith("{")
    with pytest.raises(json.JSONDecodeError):
        json.loads(result.stdout)


def test_push_loads_the_inputs_and_prints_what_it_wrote(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import graph.store.neo4j

    driver = RecordingDriver(prune_counts=[0, 0])
    monkeypatch.setattr(graph.store.neo4j, "connect_neo4j", lambda *args: driver)
    inputs = [str(p) for p in sample_inputs()]
    args = ["--uri", "bolt://x", "--database", "trust", "--run-id", "r1", "--prune"]

    result = CliRunner().invoke(
        main,
        ["neo4j", "push", *inputs, *args, "--batch-size", "10"],
    )

    assert result.exit_code == 0, result.output
    written = json.loads(result.stdout)
    assert written["nodes"] == len(load_graph(*inputs))
    assert written["run_id"] == "r1"
    assert written["transactions"] == len(driver.transactions) - 2
    assert driver.databases == ["trust"]
    assert driver.prune_counts == []
    assert driver.closed


def test_query_sends_the_pack_text_with_bound_parameters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import graph.store.neo4j

    driver = RecordingDriver()
    driver.rows = [{"principal": "arn:aws:iam::1:role/b"}]
    monkeypatch.setattr(graph.store.neo4j, "connect_neo4j", lambda *args: driver)
    target = "arn:aws:iam::1:role/a=b"

    result = CliRunner().invoke(
        main,
        [
            "neo4j",
            "query",
            "who_can_reach",
            "--uri",
            "bolt://x",
            "--param",
            f"target={target}",
        ],
    )

    assert result.exit_code == 0, result.output
    assert driver.auto_commit == [load_query("who_can_reach").text]
    assert driver.read_params == [{"target": target}]
    assert json.loads(result.stdout) == {
        "query": "who_can_reach",
        "params": {"target": target},
        "rows": [{"principal": "arn:aws:iam::1:role/b"}],
    }
