"""Scorecard KPIs and identity tiers over the sample graph: exact numbers."""

from __future__ import annotations

import pytest

from graph.model import Mechanism, NodeKind
from graph.trustgraph import TrustGraph
from queries.kpis import backlog_bucket, compute_kpis
from queries.tiers import IdentityTier, identity_tiers
from tests.reports.builders import (
    ALICE,
    APP_RUNTIME,
    BOB,
    BREAK_GLASS,
    CI_DEPLOYER,
    DEPLOY_BOT,
    EVIL,
    ORG_ADMIN,
    VENDOR_AUDIT,
    arn,
    edge,
    options,
    principal,
    sample_graph,
    trust_findings,
)


@pytest.fixture(scope="module")
def graph() -> TrustGraph:
    return sample_graph()


@pytest.fixture(scope="module")
def kpis(graph: TrustGraph) -> dict:
    return compute_kpis(graph, trust_findings(graph), options())


def test_tiers_from_trust_tags_and_kind(graph: TrustGraph) -> None:
    tiers = {node_id: t.tier for node_id, t in identity_tiers(graph).items()}

    assert tiers == {
        ALICE: IdentityTier.HUMAN,
        BOB: IdentityTier.HUMAN,
        DEPLOY_BOT: IdentityTier.AUTOMATION,
        CI_DEPLOYER: IdentityTier.AUTOMATION,
        ORG_ADMIN: IdentityTier.HUMAN,
        APP_RUNTIME: IdentityTier.WORKLOAD,
        BREAK_GLASS: IdentityTier.BREAK_GLASS,
        VENDOR_AUDIT: IdentityTier.UNCLASSIFIED,
        EVIL: IdentityTier.UNCLASSIFIED,
    }


@pytest.mark.parametrize(
    ("tags", "issuer", "expected"),
    [
        ({"tier": "automation"}, "oidc.eks.eu-west-1.amazonaws.com/id/X", "automation"),
        ({}, "oidc.eks.eu-west-1.amazonaws.com/id/X", "workload"),
        ({}, "gitlab.com", "automation"),
        ({"BreakGlass": "yes"}, "gitlab.com", "break_glass"),
        ({"break-glass": "false"}, "gitlab.com", "automation"),
    ],
)
def test_tier_of_federated_role(tags: dict, issuer: str, expected: str) -> None:
    graph = TrustGraph()
    role = principal(arn("role", "r"), NodeKind.ROLE, tags=tags)
    provider = principal(arn("oidc-provider", issuer), NodeKind.OIDC_PROVIDER)
    graph.add_principal(role)
    graph.add_principal(provider)
    graph.add_edge(
        edge(provider.node_id, role.node_id, Mechanism.ASSUME_ROLE_WEB_IDENTITY)
    )

    assert identity_tiers(graph)[role.node_id].tier == expected


def test_kpi_counts(kpis: dict) -> None:
    assert kpis["identities"] == 9
    assert kpis["identities_by_tier"] == {
        "human": 3,
        "automation": 2,
        "workload": 1,
        "break_glass": 1,
        "unclassified": 2,
    }
    assert kpis["admins"] == 3
    assert kpis["principals_with_route_to_admin"] == 2
    assert kpis["route_to_admin"] == {"human": 1, "non_human": 1}
    assert kpis["risky_trust_policies"] == 2
    assert kpis["coverage_gaps"] == 1


def test_static_credential_ratio_split(kpis: dict) -> None:
    assert kpis["static_credential_ratio"] == {
        "human": {"identities": 4, "with_active_keys": 1, "ratio": 0.25},
        "non_human": {"identities": 5, "with_active_keys": 1, "ratio": 0.2},
    }


def test_mfa_coverage_of_privileged_humans(kpis: dict) -> None:
    assert kpis["mfa_coverage_privileged_humans"] == {
        "privileged_humans": 4,
        "with_mfa": 1,
        "without_mfa": 1,
        "unknown": 2,
        "ratio": 0.5,
        "without_mfa_ids": [BOB],
    }


def test_unused_backlog_by_age(kpis: dict) -> None:
    backlog = kpis["unused_identity_backlog"]

    assert backlog["human"] == {
        "total": 1,
        "never_used": 0,
        "under_180_days": 0,
        "180_to_365_days": 0,
        "over_365_days": 1,
        "age_unknown": 0,
    }
    assert backlog["non_human"]["total"] == 1
    assert backlog["non_human"]["never_used"] == 1
    assert backlog["non_human"]["under_180_days"] == 1
    assert backlog["break_glass_excluded"] == {"total": 1}


def test_external_trusts_by_account(kpis: dict) -> None:
    assert kpis["external_trusts_by_account"] == {
        "999999999999": {"trusts": 2, "targets": 2},
    }


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (None, "age_unknown"),
        (91, "under_180_days"),
        (180, "180_to_365_days"),
        (365, "over_365_days"),
    ],
)
def test_backlog_bucket(days: int | None, bucket: str) -> None:
    assert backlog_bucket(days) == bucket


def test_empty_graph_ratios_are_none() -> None:
    kpis = compute_kpis(TrustGraph(), [], options())

    assert kpis["static_credential_ratio"]["human"]["ratio"] is None
    assert kpis["mfa_coverage_privileged_humans"]["ratio"] is None


def test_only_trust_grants_set_the_tier() -> None:
    graph = TrustGraph()
    person = principal(arn("user", "person"), NodeKind.USER, mfa_devices=1)
    account = principal(
        "serviceAccount:sa@p.iam.gserviceaccount.com", NodeKind.SERVICE_ACCOUNT
    )
    role = principal(arn("role", "taken-over"), NodeKind.ROLE)
    for node in (person, account, role):
        graph.add_principal(node)
    graph.add_edge(edge(person.node_id, account.node_id, Mechanism.ASSUME_ROLE))
    graph.add_edge(edge(person.node_id, role.node_id, Mechanism.UPDATE_TRUST_POLICY))
    graph.add_edge(edge(person.node_id, role.node_id, Mechanism.IMPERSONATE))

    tiers = {node_id: t.tier for node_id, t in identity_tiers(graph).items()}

    assert tiers[account.node_id] is IdentityTier.WORKLOAD
    assert tiers[role.node_id] is IdentityTier.UNCLASSIFIED


def test_role_takes_the_tier_of_its_callers() -> None:
    graph = TrustGraph()
    bot = principal(arn("user", "bot"), NodeKind.USER, access_keys=[{"id": "K"}])
    person = principal(arn("user", "person"), NodeKind.USER, mfa_devices=1)
    first = principal(arn("role", "first"), NodeKind.ROLE)
    second = principal(arn("role", "second"), NodeKind.ROLE)
    looped = principal(arn("role", "looped"), NodeKind.ROLE)
    for node in (bot, person, first, second, looped):
        graph.add_principal(node)
    graph.add_edge(edge(bot.node_id, first.node_id, Mechanism.ASSUME_ROLE))
    graph.add_edge(edge(first.node_id, second.node_id, Mechanism.ASSUME_ROLE))
    graph.add_edge(edge(person.node_id, second.node_id, Mechanism.ASSUME_ROLE))
    graph.add_edge(edge(looped.node_id, looped.node_id, Mechanism.ASSUME_ROLE))

    tiers = {node_id: t.tier for node_id, t in identity_tiers(graph).items()}

    assert tiers == {
        bot.node_id: IdentityTier.AUTOMATION,
        person.node_id: IdentityTier.HUMAN,
        first.node_id: IdentityTier.AUTOMATION,
        second.node_id: IdentityTier.HUMAN,
        looped.node_id: IdentityTier.UNCLASSIFIED,
    }


def test_tier_reads_the_issuer_attribute_of_a_pool() -> None:
    graph = TrustGraph()
    account = principal(
        "serviceAccount:deploy@p.iam.gserviceaccount.com", NodeKind.SERVICE_ACCOUNT
    )
    pool = principal(
        "principalSet://iam.googleapis.com/projects/1/locations/global/"
        "workloadIdentityPools/pool/*",
        NodeKind.WORKLOAD_POOL,
        external=True,
        issuer="https://token.actions.githubusercontent.com",
    )
    graph.add_principal(account)
    graph.add_principal(pool)
    graph.add_edge(edge(pool.node_id, account.node_id, Mechanism.FEDERATE))

    assignment = identity_tiers(graph)[account.node_id]

    assert assignment.tier is IdentityTier.AUTOMATION
    assert assignment.reason.startswith("assumable by ")


def test_tiers_recomputed_when_the_graph_grows() -> None:
    graph = TrustGraph()
    role = principal(arn("role", "r"), NodeKind.ROLE)
    graph.add_principal(role)
    before = identity_tiers(graph)[role.node_id].tier
    saml = principal(arn("saml-provider", "idp"), NodeKind.SAML_PROVIDER)
    graph.add_principal(saml)
    graph.add_edge(edge(saml.node_id, role.node_id, Mechanism.ASSUME_ROLE_SAML))

    after = identity_tiers(graph)[role.node_id].tier

    assert (before, after) == (IdentityTier.UNCLASSIFIED, IdentityTier.HUMAN)


def test_third_parties_merge_issuer_spellings_and_the_public() -> None:
    graph = TrustGraph()
    roles = [principal(arn("role", f"r{i}"), NodeKind.ROLE) for i in range(4)]
    parties = [
        principal(
            "oidc:a",
            NodeKind.OIDC_PROVIDER,
            external=True,
            issuer="https://token.actions.githubusercontent.com/",
        ),
        principal(
            "oidc:b",
            NodeKind.FEDERATED_SUBJECT,
            external=True,
            issuer="token.actions.githubusercontent.com",
        ),
        principal("*", NodeKind.PUBLIC, external=True),
        principal("allUsers", NodeKind.PUBLIC, external=True),
    ]
    for node in (*roles, *parties):
        graph.add_principal(node)
    for party, role in zip(parties, roles, strict=True):
        graph.add_edge(edge(party.node_id, role.node_id, Mechanism.ASSUME_ROLE))

    kpis = compute_kpis(graph, [], options())

    assert kpis["external_trusts_by_account"] == {
        "anyone (public)": {"trusts": 2, "targets": 2},
        "token.actions.githubusercontent.com": {"trusts": 2, "targets": 2},
    }


def test_tier_looks_through_caller_sets() -> None:
    graph = TrustGraph()
    person = principal(arn("user", "person"), NodeKind.USER, mfa_devices=1)
    root = principal(
        arn("", "root").replace(":/root", ":root"),
        NodeKind.ACCOUNT_ROOT,
        caller_set=True,
    )
    org = principal("aws-org-callers:o-1", NodeKind.ACCOUNT_ROOT, caller_set=True)
    role = principal(arn("role", "member-access"), NodeKind.ROLE)
    for node in (person, root, org, role):
        graph.add_principal(node)
    graph.add_edge(edge(person.node_id, root.node_id, Mechanism.MEMBER_OF))
    graph.add_edge(edge(root.node_id, org.node_id, Mechanism.MEMBER_OF))
    graph.add_edge(edge(org.node_id, role.node_id, Mechanism.ASSUME_ROLE))

    assignment = identity_tiers(graph)[role.node_id]

    assert assignment.tier is IdentityTier.HUMAN
    assert assignment.reason == "assumable by person"
