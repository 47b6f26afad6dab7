"""Azure hard cases C28 and C31, loaded from native export files on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from crosstrust import load_graph
from graph.model import Mechanism
from graph.trustgraph import TrustGraph
from queries.findings import evaluate_rules
from queries.rules.hygiene import HYGIENE_RULES

CASES = Path(__file__).parent / "azure"
MG = "/providers/Microsoft.Management/managementGroups"
SUB = "/subscriptions/aaaaaaaa-0000-0000-0000-000000000001"
OPS_GROUP = "11111111-1111-1111-1111-111111111111"
DEPLOY_SP = "88888888-8888-8888-8888-888888888888"
GITHUB = "oidc:token.actions.githubusercontent.com"


def _graph(case: str) -> TrustGraph:
    graph = load_graph(CASES / case)
    assert not graph.coverage, graph.coverage
    return graph


def _details(
    graph: TrustGraph, source: str, target: str, mechanism: Mechanism
) -> set[str]:
    edge = graph.edge(source, target, mechanism)
    assert edge is not None, f"missing {mechanism} {source} -> {target}"
    return {e.detail for e in edge.evidence}


@pytest.mark.parametrize(
    "target",
    [SUB, f"{SUB}/resourceGroups/app-rg"],
)
def test_c28_owner_at_a_group_is_inherited_below(target: str) -> None:
    graph = _graph("C28")

    details = _details(graph, OPS_GROUP, target, Mechanism.ROLE_ASSIGNMENT)

    assert details == {f"role Owner, inherited_from {MG}/platform"}


def test_c28_inheritance_flows_down_only() -> None:
    graph = _graph("C28")

    targets = {e.target for e in graph.out_edges(OPS_GROUP)}

    assert targets == {f"{MG}/platform", SUB, f"{SUB}/resourceGroups/app-rg"}
    assert graph.admin_reason(OPS_GROUP) == f"Owner at {MG}/platform"


def test_c28_tree_places_the_subscription_under_its_group() -> None:
    graph = _graph("C28")

    assert graph.container_of(SUB) == f"{MG}/platform"
    assert graph.container_of(f"{MG}/platform") == f"{MG}/tenant-root"


def test_c31_environment_subject_federates_into_the_service_principal() -> None:
    graph = _graph("C31")
    subject = f"{GITHUB}:repo:example-org/example-repo:environment:prod"

    edge = graph.edge(subject, DEPLOY_SP, Mechanism.FEDERATE)
    role = _details(graph, DEPLOY_SP, SUB, Mechanism.ROLE_ASSIGNMENT)

    assert edge is not None and not edge.conditional and edge.cross_boundary
    assert role == {f"role Contributor at {SUB}"}


def test_c31_branch_subject_does_not_match_the_environment_credential() -> None:
    graph = _graph("C31")
    branch = f"{GITHUB}:repo:example-org/example-repo:ref:refs/heads/main"

    subjects = {e.source for e in graph.in_edges(DEPLOY_SP)}

    assert branch not in graph
    assert subjects == {f"{GITHUB}:repo:example-org/example-repo:environment:prod"}


def test_c31_pinned_subject_and_contributor_raise_nothing() -> None:
    graph = _graph("C31")

    findings = evaluate_rules(graph)

    assert not [f for f in findings if f.rule not in HYGIENE_RULES]
    assert not graph.is_admin(DEPLOY_SP)
