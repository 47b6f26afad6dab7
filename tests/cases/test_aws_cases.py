"""Every AWS hard case and its verdict, through the real loader and builder."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from graph.aws.conditions import wildcard_match
from graph.model import Finding, NodeKind, Severity, Verdict
from graph.trustgraph import TrustGraph
from queries.findings import evaluate_rules
from tests.cases.conftest import load_case

AWS_CASES = "C01 C02 C04 C05 C06 C07 C09 C10 C11 C13 C15 C17 C18 C19 C21 C22".split()
GITHUB = "token.actions.githubusercontent.com"
COGNITO = "cognito-identity.amazonaws.com"

RULE_IDS = {
    "wildcard-trust": "trust.broad-principal",
    "public-binding": "trust.broad-principal",
    "cross-account-no-external-id": "trust.external-no-external-id",
    "oidc-trust-unscoped": "trust.oidc-unrestricted-subject",
    "wif-provider-unconditioned": "trust.oidc-unrestricted-subject",
    "oidc-trust-broad-subject": "trust.oidc-broad-subject",
    "confused-deputy-service-trust": "trust.service-confused-deputy",
    "dangling-principal": "trust.dangling-principal",
    "invalid-policy": "policy.invalid-element",
    "set-operator-on-single-valued-key": "policy.set-operator-single-valued",
    "escalation-path": "path.escalation-to-admin",
}


def _subject_nodes(graph: TrustGraph, issuer_part: str) -> list[Any]:
    return [
        p
        for p in graph.principals(NodeKind.FEDERATED_SUBJECT)
        if issuer_part in str(p.attributes.get("issuer", ""))
    ]


def sources_for(graph: TrustGraph, name: str, *, exact: bool) -> set[str]:
    """Node ids a case's descriptive name stands for.

    ``exact`` asks for the one node the name is written as (for edges that
    must exist); otherwise every node that admits the named party (for
    edges that must not exist), so a no-edge check cannot pass by naming.
    """
    if name.startswith("account:"):
        return {f"arn:aws:iam::{name.split(':', 1)[1]}:root"}
    if name == "aws:*":
        return {"*"}
    if name.startswith("github:"):
        subject = name.removeprefix("github:")
        if exact or "*" in subject:
            return {f"oidc:{GITHUB}:{subject}"}
        return {
            p.node_id
            for p in _subject_nodes(graph, GITHUB)
            if wildcard_match(str(p.attributes["pattern"]), subject)
        }
    if name.startswith("k8s:"):
        cluster = name.split(":")[1]
        return {p.node_id for p in _subject_nodes(graph, f"/id/{cluster}")}
    if name.startswith("cognito:"):
        return {p.node_id for p in _subject_nodes(graph, COGNITO)}
    if ":oidc-provider/" in name and not exact:
        # The provider itself and every subject pattern behind it.
        behind = [
            p.node_id
            for p in graph.principals(NodeKind.FEDERATED_SUBJECT)
            if p.attributes.get("provider") == name
        ]
        return {name, *behind}
    return {name}


def _has_edge(graph: TrustGraph, source: str, target: str, kind: str) -> bool:
    data = graph.nx.get_edge_data(source, target) or {}
    return kind in data


def _mfa_depends(graph: TrustGraph, source: str, target: str, kind: str) -> bool:
    edge = graph.nx.get_edge_data(source, target)[kind]["edge"]
    return any(
        c.key.lower() == "aws:multifactorauthpresent" and c.verdict is Verdict.DEPENDS
        for c in edge.conditions
    )


def _check_conditions(graph: TrustGraph, source: str, expected: dict[str, Any]) -> None:
    """The cases describe conditions in words; the MFA ones are checkable."""
    described = expected.get("conditions") or {}
    args = (graph, source, expected["to"], expected["kind"])
    if "mfa_required" in described:
        assert _mfa_depends(*args) is bool(described["mfa_required"])
    if "mfa_enforced" in described:
        assert _mfa_depends(*args) is bool(described["mfa_enforced"])


def _findings_for(findings: list[Finding], rule: str, subject: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule and f.subject == subject]


@pytest.fixture(params=AWS_CASES)
def case(request: pytest.FixtureRequest) -> dict[str, Any]:
    return load_case(request.param)


@pytest.fixture
def built(
    case: dict[str, Any],
    aws_case_graph: Callable[[dict[str, Any]], TrustGraph],
) -> tuple[TrustGraph, list[Finding]]:
    graph = aws_case_graph(case)
    return graph, evaluate_rules(graph)


def test_case_is_aws(case: dict[str, Any]) -> None:
    assert case["cloud"] == "aws"
    assert "aws" in case["input"]


def test_expected_edges(case: dict[str, Any], built: tuple[TrustGraph, Any]) -> None:
    graph, _ = built
    for expected in case["expect"].get("edges", []):
        sources = sources_for(graph, expected["from"], exact=True)
        assert sources, f"no node stands for {expected['from']}"
        for source in sources:
            assert _has_edge(graph, source, expected["to"], expected["kind"]), (
                f"missing {source} -[{expected['kind']}]-> {expected['to']}"
            )
            _check_conditions(graph, source, expected)


def test_forbidden_edges(case: dict[str, Any], built: tuple[TrustGraph, Any]) -> None:
    graph, _ = built
    for forbidden in case["expect"].get("no_edges", []):
        for source in sources_for(graph, forbidden["from"], exact=False):
            assert not _has_edge(graph, source, forbidden["to"], forbidden["kind"]), (
                f"unexpected {source} -[{forbidden['kind']}]-> {forbidden['to']}"
            )


def test_expected_findings(case: dict[str, Any], built: tuple[TrustGraph, Any]) -> None:
    _, findings = built
    for expected in case["expect"].get("findings", []):
        rule = RULE_IDS[expected["rule"]]
        hits = _findings_for(findings, rule, expected["subject"])
        assert hits, f"{rule} did not fire on {expected['subject']}"
        floor = Severity(expected["severity"])
        worst = max(f.severity.rank for f in hits)
        assert worst >= floor.rank, f"{rule} on {expected['subject']} below {floor}"


def test_silent_findings(case: dict[str, Any], built: tuple[TrustGraph, Any]) -> None:
    _, findings = built
    for silent in case["expect"].get("no_findings", []):
        rule = RULE_IDS[silent["rule"]]
        hits = _findings_for(findings, rule, silent["subject"])
        assert not hits, f"{rule} fired on {silent['subject']}: {hits[0].title}"


def test_loads_without_malformed_gaps(
    case: dict[str, Any], built: tuple[TrustGraph, Any]
) -> None:
    graph, _ = built
    reasons = {gap.reason for gap in graph.coverage}
    assert not reasons & {"malformed", "malformed-policy", "unrecognized"}
