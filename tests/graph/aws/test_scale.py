"""The synthetic organisation of the benchmarks, at a small size: it loads cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.synthetic_org import OrgShape, write_organization
from crosstrust import load_graph
from graph.model import NodeKind
from queries.findings import evaluate_rules

SHAPE = OrgShape(accounts=5, roles=40)


@pytest.mark.slow
def test_synthetic_organization_builds(tmp_path: Path) -> None:
    write_organization(SHAPE, tmp_path)
    graph = load_graph(tmp_path)
    assert graph.coverage == []
    roles = [
        p
        for p in graph.principals(NodeKind.ROLE)
        if not p.attributes.get("placeholder")
    ]
    assert len(roles) == SHAPE.accounts * SHAPE.roles
    oaar = {
        f"arn:aws:iam::{a}:role/OrganizationAccountAccessRole"
        for a in SHAPE.account_ids
    }
    assert oaar <= set(graph.admins())
    rules = {f.rule for f in evaluate_rules(graph)}
    assert "path.cross-account" in rules
    assert "trust.external-no-external-id" in rules


@pytest.mark.slow
def test_synthetic_organization_is_deterministic(tmp_path: Path) -> None:
    write_organization(SHAPE, tmp_path / "one")
    write_organization(SHAPE, tmp_path / "two")
    for one in sorted((tmp_path / "one").iterdir()):
        assert one.read_bytes() == (tmp_path / "two" / one.name).read_bytes()
