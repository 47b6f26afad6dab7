"""Real exports written outside the team: each loads, reports, and shows known facts."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from crosstrust import load_graph
from graph.model import Mechanism, NodeKind, Verdict
from graph.trustgraph import TrustGraph
from queries.findings import evaluate_rules
from queries.paths import routes_between
from queries.rules.hygiene import HYGIENE_RULES
from reports.document import build_report
from reports.render import render

CORPUS = Path("/work/shared/corpus/aws")
VULNERABLE = CORPUS / "cloudsplaining_example_iam-vulnerable-deployment.authz.json"
SPLAINING = CORPUS / "cloudsplaining_test_example-authz-details.authz.json"
CLOUDMAPPER = CORPUS / "cloudmapper_demo_account.authz.json"
AWSCLI = CORPUS / "awscli_docs_example.authz.json"
IV = "arn:aws:iam::200611803367"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus not present")


def _loaded_counts(graph: TrustGraph) -> Counter[str]:
    """Users, groups and roles read from the export (not placeholders)."""
    return Counter(
        str(p.kind)
        for p in graph.principals(NodeKind.USER, NodeKind.GROUP, NodeKind.ROLE)
        if not p.attributes.get("placeholder")
    )


def _pairs(graph: TrustGraph) -> set[tuple[str, str]]:
    findings = evaluate_rules(graph)
    return {(f.rule, f.subject) for f in findings if f.rule not in HYGIENE_RULES}


@pytest.fixture(scope="module")
def vulnerable() -> TrustGraph:
    return load_graph(VULNERABLE)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.json")), ids=lambda p: p.name)
@pytest.mark.parametrize("fmt", ["json", "table", "markdown"])
def test_every_file_loads_and_reports(path: Path, fmt: str) -> None:
    graph = load_graph(path)
    assert graph.loaded_containers
    text = render(build_report(graph), fmt)
    assert text.strip()
    if fmt == "json":
        assert json.loads(text)["schema"] == "crosstrust.report/1"


def test_vulnerable_counts(vulnerable: TrustGraph) -> None:
    assert _loaded_counts(vulnerable) == {"user": 44, "group": 5, "role": 78}
    accounts = {p.node_id for p in vulnerable.principals(NodeKind.AWS_ACCOUNT)}
    assert accounts == {"200611803367", "012345678901", "072528804237"}
    assert vulnerable.loaded_containers == {"200611803367", "012345678901"}
    assert vulnerable.coverage == []


def test_vulnerable_cross_account_trusts(vulnerable: TrustGraph) -> None:
    oaar = f"{IV}:role/OrganizationAccountAccessRole"
    edge = vulnerable.edge(
        "arn:aws:iam::072528804237:root", oaar, Mechanism.ASSUME_ROLE
    )
    assert edge is not None
    assert edge.cross_boundary and edge.conditions == ()
    stacksets = f"{IV}:role/stacksets-exec-b5520cb2730c2f54b523d6375a319abb"
    sources = {e.source for e in vulnerable.in_edges(stacksets)}
    slr = "arn:aws:iam::072528804237:role/aws-service-role/"
    assert any(s.startswith(slr) for s in sources)
    pairs = _pairs(vulnerable)
    assert ("trust.external-no-external-id", oaar) in pairs
    assert ("trust.external-no-external-id", stacksets) in pairs
    assert vulnerable.is_admin(oaar) and vulnerable.is_admin(stacksets)


def test_vulnerable_session_principal(vulnerable: TrustGraph) -> None:
    sso = [
        p.node_id
        for p in vulnerable.principals(NodeKind.ROLE)
        if "AWSReservedSSO_AdministratorAccess_" in p.node_id
    ]
    assert len(sso) == 1
    target = f"{IV}:role/fn1-privesc3-partial-role"
    edge = vulnerable.edge(sso[0], target, Mechanism.ASSUME_ROLE)
    assert edge is not None
    pinned = [c for c in edge.conditions if c.key == "sts:RoleSessionName"]
    assert [c.values for c in pinned] == [("redacted-user@example.com",)]
    assert pinned[0].verdict is Verdict.DEPENDS


def test_vulnerable_three_role_chain(vulnerable: TrustGraph) -> None:
    start = f"{IV}:role/privesc-AssumeRole-starting-role"
    middle = f"{IV}:role/privesc-AssumeRole-intermediate-role"
    end = f"{IV}:role/privesc-AssumeRole-ending-role"
    assert vulnerable.is_admin(end)
    assert not vulnerable.is_admin(start) and not vulnerable.is_admin(middle)
    routes = routes_between(vulnerable, start, end)
    assert (start, middle, end) in {r.nodes for r in routes}
    pairs = _pairs(vulnerable)
    assert ("path.escalation-to-admin", start) in pairs
    assert ("path.escalation-to-admin", middle) in pairs


def test_vulnerable_sso_roles_trust_saml(vulnerable: TrustGraph) -> None:
    saml = list(vulnerable.edges(Mechanism.ASSUME_ROLE_SAML))
    assert len(saml) == 2
    assert all("AWSReservedSSO_" in e.target for e in saml)


def test_cloudsplaining_fixture() -> None:
    graph = load_graph(SPLAINING)
    assert _loaded_counts(graph) == {"user": 3, "group": 2, "role": 3}
    account = "arn:aws:iam::012345678901"
    # OverprivilegedEC2 may create access keys for any user, admins included.
    assert _pairs(graph) == {
        ("trust.service-confused-deputy", f"{account}:role/MyRole"),
        ("trust.service-confused-deputy", f"{account}:role/MyOtherRole"),
        ("path.escalation-to-admin", f"{account}:role/OverprivilegedEC2"),
    }
    # EC2 receives roles through iam:PassRole: no confused-deputy finding.
    ec2 = graph.in_edges(f"{account}:role/OverprivilegedEC2")
    assert [e.source for e in ec2] == ["service:ec2.amazonaws.com"]


def test_cloudmapper_bad_role() -> None:
    graph = load_graph(CLOUDMAPPER)
    assert _loaded_counts(graph) == {"user": 2, "group": 1, "role": 4}
    bad_role = "arn:aws:iam::123456789012:role/bad_role"
    assert graph.edge("*", bad_role, Mechanism.ASSUME_ROLE) is not None
    findings = [
        f
        for f in evaluate_rules(graph)
        if f.subject == bad_role and f.rule not in HYGIENE_RULES
    ]
    assert [(f.rule, str(f.severity)) for f in findings] == [
        ("trust.broad-principal", "critical")
    ]
    # Users and the group carry "aws" where the account belongs.
    assert Counter(g.reason for g in graph.coverage) == {"odd-arn": 3}


def test_awscli_parser_traps() -> None:
    graph = load_graph(AWSCLI)
    assert _loaded_counts(graph) == {"user": 3, "group": 3, "role": 1}
    account = "arn:aws:iam::123456789012"
    # Admins' AttachedManagedPolicies is one object, not a list: still read.
    assert graph.is_admin(f"{account}:user/Alice")
    # Bob's single-object Statement denies iam:*: he is no admin.
    assert not graph.is_admin(f"{account}:user/Bob")
    reasons = Counter(g.reason for g in graph.coverage)
    assert reasons == {"truncated": 1, "missing-policy": 2}
    assert not any("PowerUserAccess" in g.detail for g in graph.coverage)
    assert ("path.escalation-to-admin", f"{account}:user/Bob") not in _pairs(graph)
