"""The bundled Azure sample: its exact findings, admins and tell-tale edges."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crosstrust import load_graph
from graph.model import Mechanism
from graph.trustgraph import TrustGraph
from queries.findings import RULES, RuleOptions, evaluate_rules

SAMPLE = Path(__file__).resolve().parents[3] / "sample_data" / "azure"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
MG = "/providers/Microsoft.Management/managementGroups"
PROD = "/subscriptions/aaaaaaaa-0000-4000-8000-000000000001"
DEV = "/subscriptions/bbbbbbbb-0000-4000-8000-000000000002"
ALICE = "10000000-0000-4000-8000-00000000000a"
BOB = "10000000-0000-4000-8000-00000000000b"
CAROL = "10000000-0000-4000-8000-00000000000c"
ERIN = "10000000-0000-4000-8000-00000000000e"
FRANK = "10000000-0000-4000-8000-00000000000f"
PLATFORM_ADMINS = "20000000-0000-4000-8000-000000000001"
BILLING_APP = "30000000-0000-4000-8000-000000000001"
BILLING_SP = "32000000-0000-4000-8000-000000000001"
REPORT_SP = "32000000-0000-4000-8000-000000000002"
ID_PROD = "40000000-0000-4000-8000-000000000001"
ID_DEV = "40000000-0000-4000-8000-000000000002"
ID_PREVIEW = "40000000-0000-4000-8000-000000000003"
ID_DEV_OPS = "40000000-0000-4000-8000-000000000004"

# Rules whose Azure findings this sample pins; identity hygiene rules are
# left to their own tests.
AZURE_RULES = frozenset(
    {
        "trust.oidc-unrestricted-subject",
        "trust.oidc-broad-subject",
        "trust.broad-principal",
        "path.escalation-to-admin",
        "path.cross-account",
        "credential.long-lived",
    }
)
EXPECTED = {
    ("trust.oidc-unrestricted-subject", "critical", ID_DEV, ()),
    ("trust.oidc-broad-subject", "medium", ID_PREVIEW, ()),
    ("trust.broad-principal", "high", DEV, ()),
    ("path.escalation-to-admin", "high", BOB, (BOB, BILLING_SP)),
    ("path.escalation-to-admin", "high", ID_DEV, (ID_DEV, ID_DEV_OPS)),
    ("path.escalation-to-admin", "high", ID_PROD, (ID_PROD, ID_DEV_OPS)),
    ("path.cross-account", "medium", ID_PROD, (ID_PROD, ID_DEV)),
    ("path.cross-account", "high", ID_PROD, (ID_PROD, ID_DEV_OPS)),
}


@pytest.fixture(scope="module")
def graph() -> TrustGraph:
    return load_graph(SAMPLE)


def test_sample_loads_without_gaps(graph: TrustGraph) -> None:
    assert graph.coverage == []


def test_exact_azure_findings(graph: TrustGraph) -> None:
    findings = evaluate_rules(graph, RuleOptions(now=NOW))

    found = {
        (f.rule, str(f.severity), f.subject, f.path)
        for f in findings
        if f.rule in AZURE_RULES and f.rule != "credential.long-lived"
    }
    long_lived = {f.subject for f in findings if f.rule == "credential.long-lived"}

    assert found == EXPECTED
    if "credential.long-lived" in RULES:
        assert long_lived == {BILLING_APP}


def test_admins_and_why(graph: TrustGraph) -> None:
    reasons = {node: graph.admin_reason(node) for node in graph.admins()}

    assert reasons == {
        PLATFORM_ADMINS: f"Owner at {MG}/platform",
        ALICE: f"member of {PLATFORM_ADMINS}: Owner at {MG}/platform",
        BILLING_SP: f"Owner at {PROD}",
        ID_DEV_OPS: f"Owner at {DEV}",
        ERIN: f"Owner at {DEV} (PIM-eligible)",
    }


def test_inherited_owner_reaches_both_subscriptions(graph: TrustGraph) -> None:
    for subscription in (PROD, DEV):
        edge = graph.edge(PLATFORM_ADMINS, subscription, Mechanism.ROLE_ASSIGNMENT)
        assert edge is not None
        details = {e.detail for e in edge.evidence}
        assert details == {f"role Owner, inherited_from {MG}/platform"}


def test_conditional_delegation_is_kept_but_not_admin(graph: TrustGraph) -> None:
    edge = graph.edge(FRANK, DEV, Mechanism.ROLE_ASSIGNMENT_WRITE)

    assert edge is not None and edge.conditional
    assert [c.operator for c in edge.conditions] == ["abac"]
    assert not graph.is_admin(FRANK)


def test_eligible_owner_edge_is_conditional(graph: TrustGraph) -> None:
    edge = graph.edge(ERIN, DEV, Mechanism.ROLE_ASSIGNMENT)

    assert edge is not None and edge.conditional
    assert [c.operator for c in edge.conditions] == ["pim"]


def test_clean_look_alikes_stay_quiet(graph: TrustGraph) -> None:
    owned = graph.edge(CAROL, REPORT_SP, Mechanism.ADD_APP_SECRET)

    assert owned is not None and not graph.is_admin(REPORT_SP)
    assert graph.edge(
        "oidc:token.actions.githubusercontent.com:repo:example-org/infra:ref:refs/heads/main",
        ID_PROD,
        Mechanism.FEDERATE,
    )


def test_app_secret_is_an_access_key_row(graph: TrustGraph) -> None:
    keys = graph.principal(BILLING_APP).attributes["access_keys"]

    assert keys == [
        {
            "id": "70000000-0000-4000-8000-000000000001",
            "status": "Active",
            "created": "2025-01-15T09:00:00Z",
            "last_used": None,
            "expires": "2027-01-15T09:00:00Z",
            "type": "client_secret",
        }
    ]
