"""The bundled GCP sample organisation: exact edges, guardrails and findings."""

from pathlib import Path

import pytest

from graph.build import build_graph
from graph.load import load_inputs
from graph.model import Mechanism
from graph.trustgraph import TrustGraph
from queries.findings import RULES, evaluate_rules

SAMPLE = Path(__file__).resolve().parents[3] / "sample_data" / "gcp"
POOLS = "projects/300000000001/locations/global/workloadIdentityPools"
SET = f"principalSet://iam.googleapis.com/{POOLS}"


def sa(name: str, project: str) -> str:
    return f"serviceAccount:{name}@{project}.iam.gserviceaccount.com"


DEV_CI = sa("dev-ci", "apps-dev")
PROD_RUNNER = sa("prod-runner", "apps-prod")
SHARED_ADMIN = sa("shared-admin", "platform-shared")


@pytest.fixture(scope="module")
def graph() -> TrustGraph:
    return build_graph(load_inputs([SAMPLE]))


def test_hierarchy_is_organisation_two_folders_four_projects(graph: TrustGraph) -> None:
    parents = {p.node_id: p.container_id for p in graph.principals() if p.is_container}
    assert parents == {
        "organizations/100000000000": "",
        "folders/200000000001": "organizations/100000000000",
        "folders/200000000002": "organizations/100000000000",
        "projects/platform-ci": "folders/200000000001",
        "projects/platform-shared": "folders/200000000001",
        "projects/apps-prod": "folders/200000000002",
        "projects/apps-dev": "folders/200000000002",
    }
    assert graph.principal("projects/apps-dev").attributes["project_number"] == (
        "300000000004"
    )


def test_edges_of_non_admins_are_exactly_these(graph: TrustGraph) -> None:
    edges = {
        (e.source, e.target, str(e.mechanism), e.conditional)
        for e in graph.edges()
        if not graph.is_admin(e.source)
    }
    assert edges == {
        (DEV_CI, PROD_RUNNER, "impersonate", False),
        (
            sa("dev-helper", "apps-dev"),
            sa("dev-batch", "apps-dev"),
            "impersonate",
            False,
        ),
        ("allUsers", sa("builder", "platform-ci"), "impersonate", False),
        (
            f"{SET}/ci-pool/attribute.repository/example-org/app",
            sa("deployer", "platform-ci"),
            "federate",
            False,
        ),
        (f"{SET}/release-pool/*", sa("release", "platform-ci"), "federate", False),
        ("user:erin@example.com", SHARED_ADMIN, "impersonate", True),
        ("group:ci-operators@example.com", PROD_RUNNER, "act_as", False),
        (
            "user:frank@example.com",
            "group:ci-operators@example.com",
            "member_of",
            False,
        ),
        (
            f"{POOLS}/ci-pool/providers/github-any",
            f"{SET}/ci-pool/attribute.repository/example-org/app",
            "federate",
            True,
        ),
        (
            f"{POOLS}/release-pool/providers/github-release",
            f"{SET}/release-pool/*",
            "federate",
            True,
        ),
    }


def test_cross_project_impersonation_is_a_cross_boundary_edge(
    graph: TrustGraph,
) -> None:
    edge = graph.edge(DEV_CI, PROD_RUNNER, Mechanism.IMPERSONATE)
    assert edge is not None and edge.cross_boundary
    local = graph.edge(
        sa("dev-helper", "apps-dev"), sa("dev-batch", "apps-dev"), Mechanism.IMPERSONATE
    )
    assert local is not None and not local.cross_boundary


def test_deny_policy_blocks_carols_key_creation(graph: TrustGraph) -> None:
    blocked = {
        (b.edge.source, b.edge.target, str(b.edge.mechanism), b.guardrail.statement)
        for b in graph.blocked
    }
    assert blocked == {
        (
            "user:carol@example.com",
            SHARED_ADMIN,
            "create_sa_key",
            "policies/cloudresourcemanager.googleapis.com%2Fprojects%2Fplatform-shared"
            "/denypolicies/no-key-creation rules[0]",
        )
    }
    assert graph.out_edges("user:carol@example.com") == []


def test_expired_condition_grants_nothing(graph: TrustGraph) -> None:
    assert "user:dave@example.com" not in graph


def test_admins_are_the_owners_and_editors(graph: TrustGraph) -> None:
    assert set(graph.admins()) == {
        "user:admin@example.com",
        sa("deployer", "platform-ci"),
        sa("release", "platform-ci"),
        SHARED_ADMIN,
        PROD_RUNNER,
    }
    # an owner of the organisation needs no edge to what it already holds
    assert graph.out_edges("user:admin@example.com") == []


def test_user_managed_key_only(graph: TrustGraph) -> None:
    keys = graph.principal(DEV_CI).attributes["access_keys"]
    assert keys == [
        {
            "id": "3f2a9c0d1e4b5a6978c0d1e2f3a4b5c6d7e8f901",
            "status": "Active",
            "created": "2024-02-01T10:00:00Z",
            "last_used": "",
            "expires": "",
        }
    ]


def test_unique_ids_come_from_the_asset_export(graph: TrustGraph) -> None:
    attributes = graph.principal(PROD_RUNNER).attributes
    assert attributes["unique_id"] == "110000000000000000005"


def test_findings_are_exactly_the_planted_ones(graph: TrustGraph) -> None:
    findings = evaluate_rules(graph)
    severities = {(f.rule, f.subject): str(f.severity) for f in findings}
    expected = {
        ("path.escalation-to-admin", DEV_CI): "critical",
        ("path.escalation-to-admin", "user:frank@example.com"): "critical",
        ("path.escalation-to-admin", "user:erin@example.com"): "high",
        ("path.cross-account", DEV_CI): "high",
        ("trust.broad-principal", sa("builder", "platform-ci")): "critical",
        (
            "trust.oidc-unrestricted-subject",
            f"{POOLS}/ci-pool/providers/github-any",
        ): "critical",
        ("trust.dangling-principal", "projects/apps-dev"): "low",
    }
    # The key rule reads the access_keys attribute generically; when it is
    # registered, only dev-ci's user-managed key may fire.
    key = ("credential.long-lived", DEV_CI)
    if "credential.long-lived" in RULES:
        expected[key] = severities.get(key, "missing")
    assert len(findings) == len(severities)
    assert severities == expected
