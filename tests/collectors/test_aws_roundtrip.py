"""Collect from moto, then load, build and report: the seeded trusts come back."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from crosstrust.cli import main
from graph.build import build_graph
from graph.load import load_inputs
from graph.model import Mechanism, NodeKind
from queries.rules.hygiene import HYGIENE_RULES
from tests.collectors.fault_proxy import Fault, FaultProxy
from tests.collectors.seed import MANAGEMENT, OUTSIDE, SeededOrg
from tests.collectors.test_aws import collect

AUDIT_ROLE = "OrganizationAccountAccessRole"


def arn(account_id: str, resource: str) -> str:
    return f"arn:aws:iam::{account_id}:{resource}"


def test_collected_trusts_become_graph_edges(seeded: SeededOrg, tmp_path: Path) -> None:
    out = tmp_path / "snap"
    assert collect(out, "--org").exit_code == 0
    graph = build_graph(load_inputs([out]))

    prod, dev = seeded.members["prod"], seeded.members["dev"]
    edges = {
        (e.source, e.target, e.cross_boundary)
        for e in graph.edges(Mechanism.ASSUME_ROLE)
    }
    assert edges == {
        (arn(MANAGEMENT, "user/alice"), arn(MANAGEMENT, "role/ci"), False),
        (arn(MANAGEMENT, "role/ci"), arn(prod, "role/deploy"), True),
        (arn(prod, "role/deploy"), arn(dev, "role/reader"), True),
        (arn(OUTSIDE, "root"), arn(prod, "role/vendor"), True),
    }
    roles = {p.node_id for p in graph.principals(NodeKind.ROLE)}
    assert roles == {
        arn(MANAGEMENT, "role/ci"),
        arn(prod, "role/deploy"),
        arn(prod, "role/vendor"),
        arn(dev, "role/reader"),
        *(arn(member, f"role/{AUDIT_ROLE}") for member in seeded.members.values()),
    }
    users = {p.node_id for p in graph.principals(NodeKind.USER)}
    assert users == {arn(MANAGEMENT, "user/alice")}
    assert graph.admins() == [arn(dev, "role/reader")]
    assert graph.organization_accounts == set(seeded.accounts)


def test_report_over_a_partial_org_shows_findings_and_coverage(
    seeded: SeededOrg, proxy: FaultProxy, tmp_path: Path
) -> None:
    audit = seeded.members["audit"]
    proxy.faults.append(Fault("AssumeRole", "AccessDenied", contains=audit))
    out = tmp_path / "snap"
    assert collect(out, "--org").exit_code == 3

    runner = CliRunner()
    result = runner.invoke(main, ["report", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    rules = {f["rule"] for f in report["findings"]} - HYGIENE_RULES
    assert rules == {
        "path.cross-account",
        "path.escalation-to-admin",
        "trust.external-no-external-id",
    }
    assert [(g["scope"], g["reason"]) for g in report["coverage"]] == [
        (audit, "role-not-assumable")
    ]

    table = runner.invoke(main, ["report", str(out)])
    assert table.exit_code == 0, table.output
    assert "coverage gaps" in table.output
    assert "role-not-assumable" in table.output
