"""The command line on the bundled AWS sample: output contracts and exit codes."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from crosstrust.cli import main

SAMPLE = "sample_data/aws"
CI = "arn:aws:iam::111111111111:role/ci-deployer"
ORG_ADMIN = "arn:aws:iam::111111111111:role/OrganizationAdmin"
DEPLOYER = "arn:aws:iam::222222222222:role/deployer"
PROD_ADMIN = "arn:aws:iam::222222222222:role/prod-admin"
OAAR = "OrganizationAccountAccessRole"

EVIDENCE = {
    "type": "object",
    "required": ["document", "statement", "detail"],
    "properties": {"document": {"type": "string"}, "statement": {"type": "string"}},
}
CONDITION = {
    "type": "object",
    "required": ["operator", "key", "values", "verdict"],
    "properties": {"verdict": {"enum": ["always", "never", "depends"]}},
}
FINDING = {
    "type": "object",
    "required": [
        "rule",
        "severity",
        "subject",
        "path",
        "evidence",
        "remediation",
        "fingerprint",
    ],
    "properties": {
        "rule": {"type": "string", "pattern": r"^[a-z]+\.[a-z-]+$"},
        "severity": {"enum": ["critical", "high", "medium", "low", "info"]},
        "subject": {"type": "string", "minLength": 1},
        "path": {"type": "array", "items": {"type": "string"}},
        "evidence": {"type": "array", "items": EVIDENCE},
        "remediation": {"type": "string", "minLength": 1},
        "fingerprint": {"type": "string", "minLength": 8},
    },
}
REPORT = {
    "type": "object",
    "required": ["schema", "findings", "kpis", "coverage"],
    "properties": {
        "schema": {"const": "crosstrust.report/1"},
        "findings": {"type": "array", "items": FINDING},
        "kpis": {"type": "object"},
        "coverage": {"type": "array"},
    },
}
ROUTE_EDGE = {
    "type": "object",
    "required": ["source", "target", "mechanism", "conditions", "evidence"],
    "properties": {
        "mechanism": {"type": "string"},
        "conditions": {"type": "array", "items": CONDITION},
        "evidence": {"type": "array", "items": EVIDENCE, "minItems": 1},
    },
}
PATHS = {
    "type": "object",
    "required": ["paths"],
    "additionalProperties": False,
    "properties": {
        "paths": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["nodes", "edges"],
                "properties": {
                    "nodes": {"type": "array", "items": {"type": "string"}},
                    "edges": {"type": "array", "items": ROUTE_EDGE},
                },
            },
        }
    },
}


def _run(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args))
    return result


def _json(*args: str) -> Any:
    result = _run(*args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_report_json_has_the_design_shape() -> None:
    report = _json("report", SAMPLE, "--format", "json")
    jsonschema.validate(report, REPORT)
    rules = {f["rule"] for f in report["findings"]}
    assert "trust.broad-principal" in rules
    assert report["coverage"] == []
    fingerprints = [f["fingerprint"] for f in report["findings"]]
    assert len(fingerprints) == len(set(fingerprints))


def test_report_json_is_stable_between_runs() -> None:
    first = _json("report", SAMPLE, "--format", "json")
    second = _json("report", SAMPLE, "--format", "json")
    assert [f["fingerprint"] for f in first["findings"]] == [
        f["fingerprint"] for f in second["findings"]
    ]


def test_min_severity_filters() -> None:
    report = _json("report", SAMPLE, "--format", "json", "--min-severity", "high")
    assert {f["severity"] for f in report["findings"]} == {"critical", "high"}


def test_paths_to_admin_json() -> None:
    answer = _json("paths", SAMPLE, "--from", CI, "--to", "admin", "--format", "json")
    jsonschema.validate(answer, PATHS)
    routes = [tuple(p["nodes"]) for p in answer["paths"]]
    assert routes[0] == (CI, ORG_ADMIN)
    assert (CI, DEPLOYER, PROD_ADMIN) in routes
    for path in answer["paths"]:
        pairs = [(e["source"], e["target"]) for e in path["edges"]]
        assert pairs == list(zip(path["nodes"], path["nodes"][1:], strict=False))
        # Admins act through their account's caller set (member_of).
        assert {e["mechanism"] for e in path["edges"]} <= {"assume_role", "member_of"}


def test_paths_between_two_principals() -> None:
    args = ("paths", SAMPLE, "--from", CI, "--to", PROD_ADMIN, "--format", "json")
    answer = _json(*args)
    # Through the deployer, and through OrganizationAdmin's power over the
    # prod account's OrganizationAccountAccessRole; admins act through their
    # account's caller set (the account root node).
    assert [p["nodes"] for p in answer["paths"]] == [
        [CI, DEPLOYER, PROD_ADMIN],
        [
            CI,
            ORG_ADMIN,
            "arn:aws:iam::111111111111:root",
            f"arn:aws:iam::222222222222:role/{OAAR}",
            "arn:aws:iam::222222222222:root",
            PROD_ADMIN,
        ],
    ]


def test_paths_from_unknown_principal_exits_2() -> None:
    result = _run(
        "paths", SAMPLE, "--from", "arn:aws:iam::1:user/nobody", "--to", "admin"
    )
    assert result.exit_code == 2
    assert "nobody" in result.stderr


def test_graph_json_is_node_link() -> None:
    graph = _json("graph", SAMPLE, "--format", "json")
    assert graph["directed"] is True and graph["multigraph"] is True
    ids = {n["id"] for n in graph["nodes"]}
    assert {CI, ORG_ADMIN, "*", "111111111111"} <= ids
    for link in graph["links"]:
        assert link["source"] in ids and link["target"] in ids
    edge = next(
        link
        for link in graph["links"]
        if (link["source"], link["target"]) == (CI, ORG_ADMIN)
    )
    assert edge["mechanism"] == "assume_role"
    assert edge["cross_boundary"] is False


def test_graph_summary_counts() -> None:
    result = _run("graph", SAMPLE)
    assert result.exit_code == 0
    counts = dict(line.rsplit(None, 1) for line in result.stdout.splitlines())
    assert counts["nodes.role"] == "34"
    assert counts["nodes.user"] == "9"


@pytest.mark.parametrize("command", ["report", "graph"])
def test_nonexistent_input_exits_2(command: str, tmp_path: Any) -> None:
    result = _run(command, str(tmp_path / "missing"))
    assert result.exit_code == 2


def test_unrecognised_input_is_a_coverage_gap(tmp_path: Any) -> None:
    (tmp_path / "odd.json").write_text('{"hello": "world"}')
    report = _json("report", str(tmp_path), "--format", "json")
    assert [g["reason"] for g in report["coverage"]] == ["unrecognized"]


def test_table_fits_100_columns() -> None:
    result = _run("report", SAMPLE)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert any("trust.broad-principal" in line for line in lines)


def test_paths_table_fits_100_columns() -> None:
    result = _run("paths", SAMPLE, "--from", CI, "--to", "admin")
    assert result.exit_code == 0
    assert max(len(line) for line in result.stdout.splitlines()) <= 100


def test_table_lists_the_external_trust_register() -> None:
    result = _run("report", SAMPLE)
    register = result.output.split("external trust register", 1)[1]
    assert "888888888888:root (account_root)" in register
    assert "-> 222222222222:role/vendor-monitoring via assume_role" in register
    assert "sts:ExternalId=vendor-issued-7f3a9c (depends)" in register
