"""The Cypher query pack: its files, its parameters, and its answers on a real FalkorDB.

The FalkorDB half pushes each test graph into an embedded FalkorDB server
(falkordblite, in the Python 3.12 venv of ``scripts/falkor_env.sh``), runs
every pack question there, and compares the answers with the built-in
networkx queries computed here on the same graph.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from crosstrust import load_graph
from graph.trustgraph import TrustGraph
from queries.cypher import (
    BadParameter,
    QueryNotFound,
    load_query,
    parameter_defaults,
    parse_param,
    query_names,
)
from queries.cypher.twins import comparable, networkx_rows, route_problems
from queries.findings import RULES
from tests.queries.pack_cases import (
    NEO4J_ONLY,
    PACK,
    ROOT,
    expected_content,
    questions,
    sample_inputs,
    successor_of,
)
from tests.queries.synthetic_org import synthetic_org

CHECKER = ROOT / "scripts" / "falkor_check.py"
GRAPH_NAMES = ["synthetic", "sample", "multicloud"]
DEFAULT_VENV = Path.home() / ".cache" / "crosstrust" / "falkor-py312"


def test_pack_holds_every_question() -> None:
    assert set(query_names()) == PACK


@pytest.mark.parametrize("name", sorted(PACK))
def test_header_names_a_real_twin_and_rule(name: str) -> None:
    query = load_query(name)
    module_name, _, function = query.twin.rpartition(".")

    assert query.description
    assert callable(getattr(importlib.import_module(module_name), function))
    assert "//" not in query.text
    if query.rule:
        import queries.rules  # noqa: F401

        assert query.rule in RULES


def test_rule_constants_are_the_default_parameters() -> None:
    assert parameter_defaults()["source_keys"] == [
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
    ]
    assert parameter_defaults()["passrole_services"] == ["service:ec2.amazonaws.com"]
    assert load_query("cross_account").bind() == {
        "acting_kinds": [
            "app_registration",
            "managed_identity",
            "role",
            "service_account",
            "service_principal",
            "user",
        ]
    }


@pytest.mark.parametrize(
    ("name", "given", "message"),
    [
        ("who_can_reach", {}, "needs --param target"),
        ("routes_to_admin", {"target": "x"}, "takes []"),
        ("broad_principal", {"nope": "1"}, "not ['nope']"),
    ],
)
def test_bind_rejects_missing_and_unknown(name: str, given: dict, message: str) -> None:
    with pytest.raises(BadParameter, match=message.replace("[", r"\[")):
        load_query(name).bind(given)


def test_unknown_query_names_the_known_ones() -> None:
    with pytest.raises(QueryNotFound, match="routes_to_admin"):
        load_query("routes-to-admin")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("target=arn:aws:iam::1:role/a=b", ("target", "arn:aws:iam::1:role/a=b"))],
)
def test_parse_param_splits_at_the_first_equals(text: str, expected: tuple) -> None:
    assert parse_param(text) == expected


def test_parse_param_rejects_text_without_equals() -> None:
    with pytest.raises(BadParameter):
        parse_param("target")


# --- answers on a real FalkorDB -------------------------------------------


def falkor_python() -> str:
    """The 3.12 venv's python, or skip (fail under CI) with the reason."""
    venv = Path(os.environ.get("CROSSTRUST_FALKOR_VENV", DEFAULT_VENV))
    python = venv / "bin" / "python"
    if python.exists():
        return str(python)
    reason = f"no FalkorDB venv at {venv}: run scripts/falkor_env.sh first"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def graphs() -> dict[str, TrustGraph]:
    found = {"synthetic": synthetic_org()}
    inputs = sample_inputs()
    if inputs:
        found["sample"] = load_graph(*inputs)
    clouds = [ROOT / "sample_data" / cloud for cloud in ("aws", "gcp", "azure")]
    if all(any(folder.glob("*.json")) for folder in clouds):
        found["multicloud"] = load_graph(*clouds)
    return found


@pytest.fixture(scope="module")
def falkor(
    graphs: dict[str, TrustGraph], tmp_path_factory: pytest.TempPathFactory
) -> dict:
    python = falkor_python()
    folder = tmp_path_factory.mktemp("falkor")
    job: dict[str, Any] = {"graphs": {}}
    for name, graph in graphs.items():
        node_link = graph.to_node_link()
        (folder / f"{name}.json").write_text(json.dumps(node_link))
        (folder / f"{name}.next.json").write_text(json.dumps(successor_of(node_link)))
        job["graphs"][name] = {
            "graph": str(folder / f"{name}.json"),
            "successor": str(folder / f"{name}.next.json"),
            "questions": questions(graph),
            "batch_size": 7,
        }
    first_id = next(iter(graphs.values())).admins()[0]
    job["probes"] = {
        name: [text, {"id": first_id} if "$id" in text else {}]
        for name, (text, _) in NEO4J_ONLY.items()
    }
    (folder / "job.json").write_text(json.dumps(job))

    subprocess.run(
        [python, str(CHECKER), str(folder / "job.json"), str(folder / "out.json")],
        check=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return json.loads((folder / "out.json").read_text())


def _graph(graphs: dict[str, TrustGraph], name: str) -> TrustGraph:
    if name not in graphs:
        pytest.skip(f"no {name} input in this checkout")
    return graphs[name]


def test_sample_is_among_the_checked_graphs(graphs: dict[str, TrustGraph]) -> None:
    assert "sample" in graphs, "no AWS sample or corpus to check the pack on"


@pytest.mark.parametrize("probe", sorted(NEO4J_ONLY))
def test_falkor_rejects_the_neo4j_only_cypher_the_pack_avoids(
    probe: str,
    falkor: dict,
) -> None:
    error = falkor["probes"][probe]

    assert error is not None
    assert NEO4J_ONLY[probe][1] in error


@pytest.mark.parametrize("graph_name", GRAPH_NAMES)
def test_falkor_answers_equal_networkx(
    graph_name: str,
    graphs: dict[str, TrustGraph],
    falkor: dict,
) -> None:
    graph = _graph(graphs, graph_name)
    answers = falkor[graph_name]["answers"]

    assert len(answers) == len(questions(graph))
    for answer in answers:
        name, params = answer["name"], answer["params"]
        expected = comparable(name, networkx_rows(graph, name, params))
        assert comparable(name, answer["rows"]) == expected, (name, params)


@pytest.mark.parametrize("graph_name", GRAPH_NAMES)
def test_falkor_routes_are_real_routes(
    graph_name: str,
    graphs: dict[str, TrustGraph],
    falkor: dict,
) -> None:
    graph = _graph(graphs, graph_name)
    answers = falkor[graph_name]["answers"]
    to_admin = next(a for a in answers if a["name"] == "routes_to_admin")
    between = [a for a in answers if a["name"] == "route_between"]

    assert to_admin["rows"]
    assert route_problems(graph, to_admin["rows"]) == []
    assert any(a["rows"] for a in between)
    for answer in between:
        target = answer["params"]["target"]
        assert route_problems(graph, answer["rows"], target) == []


@pytest.mark.parametrize("graph_name", GRAPH_NAMES)
def test_falkor_push_stores_node_link_and_is_idempotent(
    graph_name: str,
    graphs: dict[str, TrustGraph],
    falkor: dict,
) -> None:
    node_link = _graph(graphs, graph_name).to_node_link()
    result = falkor[graph_name]
    expected = expected_content(node_link, result["push"]["run_id"])

    assert result["content_before"] == expected
    assert result["content_after"] == result["content_before"]
    assert result["repush"]["run_id"] == result["push"]["run_id"]


@pytest.mark.parametrize("graph_name", GRAPH_NAMES)
def test_falkor_prune_leaves_exactly_the_successor(
    graph_name: str,
    graphs: dict[str, TrustGraph],
    falkor: dict,
) -> None:
    node_link = _graph(graphs, graph_name).to_node_link()
    result = falkor[graph_name]
    successor = successor_of(node_link)
    run_id = result["successor_push"]["run_id"]

    assert run_id != result["push"]["run_id"]
    assert result["successor_content"] == expected_content(successor, run_id)
    assert result["successor_push"]["pruned_nodes"] == 2
    gone = {n["id"] for n in node_link["nodes"]} - {n["id"] for n in successor["nodes"]}
    gone_admins = [n for n in node_link["nodes"] if n["id"] in gone and n["is_admin"]]
    gone_links = len(node_link["links"]) - len(successor["links"])
    assert result["successor_push"]["pruned_edges"] == gone_links + len(gone_admins)
