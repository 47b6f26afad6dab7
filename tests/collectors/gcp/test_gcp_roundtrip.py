"""Collect from the fakes, then load, build and report: served trusts come back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from crosstrust.cli import main
from graph.build import build_graph
from graph.load import load_inputs
from graph.model import Mechanism, NodeKind
from graph.trustgraph import TrustGraph
from tests.collectors.gcp.conftest import Collect, Fakes

ORGANIZATION = "100000000001"
DEPLOYER = "serviceAccount:deployer@ops-ci.iam.gserviceaccount.com"
RUNNER = "serviceAccount:runner@app-prod.iam.gserviceaccount.com"
BATCH = "serviceAccount:batch@app-prod.iam.gserviceaccount.com"
DEV_CI = "serviceAccount:dev-ci@app-dev.iam.gserviceaccount.com"
POOL = "projects/300000000001/locations/global/workloadIdentityPools/github"
REPOSITORY = (
    f"principalSet://iam.googleapis.com/{POOL}/attribute.repository/acme/deploy"
)

INTERN = "user:intern@example.test"
DENY_POLICY = (
    "policies/cloudresourcemanager.googleapis.com%2Fprojects%2Fapp-dev"
    "/denypolicies/no-intern-keys"
)
EDGES = {
    (DEPLOYER, RUNNER, Mechanism.IMPERSONATE, True),
    (REPOSITORY, DEPLOYER, Mechanism.FEDERATE, False),
    (f"{POOL}/providers/actions", REPOSITORY, Mechanism.FEDERATE, False),
}


def edges(graph: TrustGraph) -> set[tuple[str, str, Mechanism, bool]]:
    return {(e.source, e.target, e.mechanism, e.cross_boundary) for e in graph.edges()}


@pytest.mark.parametrize("routes", [(), ("routes-fallback.json",)])
def test_collected_policies_become_graph_edges(
    routes: tuple[str, ...], collect: Collect, fakes: Fakes, tmp_path: Path
) -> None:
    fakes.use(*routes)
    collect(organization=ORGANIZATION)
    graph = build_graph(load_inputs([tmp_path / "snap"]))

    # The asset search and the per-resource policies tell the same story.
    assert edges(graph) == EDGES
    # The collected deny policy removes the key-minting edge, and says so.
    assert [
        (b.edge.source, b.edge.target, b.edge.mechanism, b.guardrail.statement)
        for b in graph.blocked
    ] == [(INTERN, DEV_CI, Mechanism.CREATE_SA_KEY, f"{DENY_POLICY} rules[0]")]
    accounts = {p.node_id for p in graph.principals(NodeKind.SERVICE_ACCOUNT)}
    assert accounts == {DEPLOYER, RUNNER, BATCH, DEV_CI}
    assert set(graph.admins()) == {RUNNER, "user:admin@example.test"}
    projects = {p.node_id for p in graph.principals(NodeKind.GCP_PROJECT)}
    assert projects == {
        "projects/app-dev",
        "projects/ops-ci",
        "projects/app-prod",
        "projects/locked-vault",
    }
    assert graph.principal(RUNNER).container_id == "projects/app-prod"
    keys = graph.principal(DEPLOYER).attributes["access_keys"]
    assert [(k["id"], k["status"]) for k in keys] == [
        ("1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d", "Active")
    ]


def test_report_shows_the_denied_project_as_a_coverage_gap(
    collect: Collect, tmp_path: Path
) -> None:
    collect(organization=ORGANIZATION)
    runner = CliRunner()
    snap = str(tmp_path / "snap")

    result = runner.invoke(main, ["report", snap, "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    routes = {
        (f["rule"], f["subject"], tuple(f["path"]))
        for f in report["findings"]
        if f["rule"].startswith(("path.", "trust."))
    }
    assert routes == {
        ("path.escalation-to-admin", DEPLOYER, (DEPLOYER, RUNNER)),
        ("path.cross-account", DEPLOYER, (DEPLOYER, RUNNER)),
    }
    assert [(g["scope"], g["reason"]) for g in report["coverage"]] == [
        ("projects/locked-vault", "access-denied"),
        ("projects/locked-vault", "access-denied"),
        ("projects/locked-vault", "access-denied"),
    ]

    table = runner.invoke(main, ["report", snap])
    assert table.exit_code == 0, table.output
    assert "coverage gaps" in table.output
    assert "projects/locked-vault" in table.output
