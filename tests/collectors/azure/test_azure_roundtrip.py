"""Collect from the fake Azure, then load, build and report: what was served returns."""

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
from tests.collectors.azure.conftest import DEV, PROD, SANDBOX, TENANT
from tests.collectors.azure.fake_azure import FakeAzure
from tests.collectors.azure.test_azure import collect

ID_DEPLOY = "d1000000-0000-4000-8000-000000000001"
ID_OPS = "d2000000-0000-4000-8000-000000000002"
DEPLOYER_APP = "a1000000-0000-4000-8000-000000000001"
REPORTING_APP = "a2000000-0000-4000-8000-000000000002"
DEPLOYER_SP = "51000000-0000-4000-8000-000000000001"
REPORTING_SP = "52000000-0000-4000-8000-000000000002"
BOB = "0b000000-0000-4000-8000-000000000001"
CAROL = "0c000000-0000-4000-8000-000000000002"
ERIN = "0e000000-0000-4000-8000-000000000005"
GITHUB = "oidc:token.actions.githubusercontent.com:repo:example-org"
OPS_TEAM = "9a000000-0000-4000-8000-000000000001"
PLATFORM = "/providers/Microsoft.Management/managementGroups/platform"


@pytest.fixture(scope="module")
def snapshot(
    fake_server: FakeAzure,
    certificate: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    fake_server.reset()
    out = tmp_path_factory.mktemp("azure-roundtrip") / "snapshot"
    return collect(fake_server, certificate, out).path


@pytest.fixture(scope="module")
def graph(snapshot: Path) -> TrustGraph:
    return build_graph(load_inputs([snapshot]))


def test_identities_and_principals_become_nodes(graph: TrustGraph) -> None:
    kinds = {
        kind: {p.node_id for p in graph.principals(kind)}
        for kind in (NodeKind.MANAGED_IDENTITY, NodeKind.SERVICE_PRINCIPAL)
    }
    assert kinds == {
        NodeKind.MANAGED_IDENTITY: {ID_DEPLOY, ID_OPS},
        NodeKind.SERVICE_PRINCIPAL: {DEPLOYER_SP, REPORTING_SP},
    }
    assert graph.principal(ID_DEPLOY).container_id == f"/subscriptions/{PROD}"
    assert graph.principal(f"/subscriptions/{PROD}").container_id == PLATFORM


def test_federated_credentials_become_edges(graph: TrustGraph) -> None:
    edges = {(e.source, e.target) for e in graph.edges(Mechanism.FEDERATE)}
    assert edges == {
        (f"{GITHUB}/infra:ref:refs/heads/main", ID_DEPLOY),
        (f"{GITHUB}/infra:ref:refs/heads/*", ID_DEPLOY),
        (f"{GITHUB}/ops:environment:prod", ID_OPS),
        (f"{GITHUB}/deployer:environment:release", DEPLOYER_SP),
    }


def test_assignments_and_inheritance_become_admin_marks(graph: TrustGraph) -> None:
    assert set(graph.admins()) == {ID_OPS, DEPLOYER_SP, CAROL}
    assert graph.admin_reason(CAROL).startswith(f"Owner at /subscriptions/{PROD}")
    assert graph.admin_reason(DEPLOYER_SP) == f"Owner at {PLATFORM}"
    assert graph.admin_reason(ID_OPS) == f"Owner at /subscriptions/{DEV}"
    prod = f"/subscriptions/{PROD}"
    grants = {
        (e.source, e.target)
        for e in graph.edges(Mechanism.ROLE_ASSIGNMENT)
        if e.source == ID_DEPLOY
    }
    assert grants == {
        (ID_DEPLOY, prod),
        (ID_DEPLOY, f"{prod}/resourceGroups/rg-ci"),
        (ID_DEPLOY, f"{prod}/resourceGroups/rg-app"),
    }
    # Reader at rg-ci, and PIM-eligible Owner of prod (conditional edges).
    carol = {
        e.target: e for e in graph.edges(Mechanism.ROLE_ASSIGNMENT) if e.source == CAROL
    }
    assert set(carol) == {
        prod,
        f"{prod}/resourceGroups/rg-ci",
        f"{prod}/resourceGroups/rg-app",
    }
    assert [c.operator for c in carol[prod].conditions] == ["pim"]


def test_owners_members_and_compute_become_edges(graph: TrustGraph) -> None:
    assert graph.edge(BOB, DEPLOYER_SP, Mechanism.ADD_APP_SECRET) is not None
    assert graph.edge(DEPLOYER_SP, ID_OPS, Mechanism.RUN_COMMAND) is not None
    assert graph.edge(OPS_TEAM, ID_OPS, Mechanism.RUN_COMMAND) is not None
    members = {(e.source, e.target) for e in graph.edges(Mechanism.MEMBER_OF)}
    assert members == {(CAROL, OPS_TEAM), (REPORTING_SP, OPS_TEAM)}
    assert graph.principal(OPS_TEAM).kind is NodeKind.GROUP
    secret_writers = {
        e.target for e in graph.edges(Mechanism.ADD_APP_SECRET) if e.source == ERIN
    }
    assert secret_writers == {DEPLOYER_SP, REPORTING_SP}


def test_report_shows_findings_and_the_denied_subscription(snapshot: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["report", str(snapshot), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    # Group members reach id-ops by running commands on the VM it is attached to
    # (carol too, but she is PIM-eligible Owner of prod: admin already).
    assert {(f["rule"], f["subject"]) for f in report["findings"]} == {
        ("path.escalation-to-admin", BOB),
        ("path.escalation-to-admin", REPORTING_SP),
        # Application Administrator: a secret on the deployer, Owner at platform.
        ("path.escalation-to-admin", ERIN),
        ("trust.oidc-broad-subject", ID_DEPLOY),
        # The deployer's client secret runs two years.
        ("credential.long-lived", DEPLOYER_APP),
        # No owner / environment / expiry tags on these non-human identities.
        ("identity.missing-owner", ID_DEPLOY),
        ("identity.missing-owner", ID_OPS),
        ("identity.missing-owner", DEPLOYER_APP),
        ("identity.missing-owner", REPORTING_APP),
    }
    assert [(g["scope"], g["reason"]) for g in report["coverage"]] == [
        (f"/subscriptions/{SANDBOX}", "access-denied")
    ]

    table = runner.invoke(main, ["report", str(snapshot)])
    assert table.exit_code == 0, table.output
    assert "coverage gaps" in table.output
    assert SANDBOX[:20] in table.output
    assert TENANT not in {g["scope"] for g in report["coverage"]}
