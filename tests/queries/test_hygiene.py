"""Hygiene rules over the sample graph: exact subjects, keys and wording."""

from __future__ import annotations

from dataclasses import replace

import pytest

from graph.model import Cloud, NodeKind, Severity
from graph.trustgraph import TrustGraph
from queries.rules.hygiene import (
    long_lived_credentials,
    missing_owner,
    stale_identities,
)
from tests.reports.builders import (
    APP_RUNTIME,
    BOB,
    DEPLOY_BOT,
    EVIL,
    arn,
    options,
    principal,
    sample_graph,
)


@pytest.fixture(scope="module")
def graph() -> TrustGraph:
    return sample_graph()


def test_missing_owner_names_what_is_missing(graph: TrustGraph) -> None:
    found = {f.subject: f for f in missing_owner(graph, options())}

    assert set(found) == {DEPLOY_BOT, APP_RUNTIME, EVIL}
    assert found[DEPLOY_BOT].severity is Severity.LOW
    assert found[DEPLOY_BOT].title == "deploy-bot has no environment, expiry tag"
    assert found[APP_RUNTIME].severity is Severity.MEDIUM
    assert (
        found[APP_RUNTIME]
        .evidence[0]
        .detail.startswith(
            "missing owner, environment, expiry (looked for owner: owner;"
        )
    )


def test_missing_owner_reads_tag_names_from_options(graph: TrustGraph) -> None:
    found = missing_owner(graph, options(owner_tags=("team",)))

    assert {f.subject for f in found} == {
        DEPLOY_BOT,
        APP_RUNTIME,
        EVIL,
        arn("role", "ci-deployer"),
        arn("role", "vendor-audit"),
    }


def test_missing_owner_skips_provider_owned_roles() -> None:
    graph = TrustGraph()
    graph.add_principal(
        principal(
            arn("role", "aws-service-role/AWSServiceRoleForSupport"),
            NodeKind.ROLE,
            path="/aws-service-role/",
        )
    )

    assert list(missing_owner(graph, options())) == []


def test_long_lived_reports_active_keys_with_age(graph: TrustGraph) -> None:
    found = list(long_lived_credentials(graph, options()))

    assert {(f.subject, f.key) for f in found} == {
        (BOB, "AKIABOB1"),
        (DEPLOY_BOT, "AKIADEPLOY"),
    }
    bob = next(f for f in found if f.subject == BOB)
    assert bob.title == "bob key AKIABOB1 is 500 days old"
    assert bob.evidence[0].detail == "created 500 days ago, last used 2025-10-27"


@pytest.mark.parametrize(
    ("key_age_days", "expected"),
    [(90, {"AKIABOB1", "AKIADEPLOY"}), (300, {"AKIABOB1"}), (600, set())],
)
def test_long_lived_threshold(graph: TrustGraph, key_age_days: int, expected) -> None:
    found = long_lived_credentials(graph, options(key_age_days=key_age_days))

    assert {f.key for f in found} == expected


def test_long_lived_fingerprint_is_per_key(graph: TrustGraph) -> None:
    found = list(long_lived_credentials(graph, options()))

    assert len({f.fingerprint for f in found}) == 2


def test_stale_exempts_break_glass_and_fresh(graph: TrustGraph) -> None:
    found = {f.subject: f for f in stale_identities(graph, options())}

    assert set(found) == {BOB, APP_RUNTIME}
    assert found[BOB].title == "bob is unused: last used 400 days ago"
    assert found[APP_RUNTIME].title == (
        "app-runtime is unused: never used, created 120 days ago"
    )


def test_stale_threshold_and_unknown_usage() -> None:
    graph = TrustGraph()
    graph.add_principal(principal(arn("role", "no-data"), NodeKind.ROLE))
    graph.add_principal(
        principal(arn("role", "old"), NodeKind.ROLE, last_used="2026-01-01")
    )

    assert [f.subject for f in stale_identities(graph, options())] == [
        arn("role", "old")
    ]
    assert list(stale_identities(graph, options(stale_days=400))) == []


def test_stale_admin_is_medium() -> None:
    graph = TrustGraph()
    old = principal(arn("role", "old"), NodeKind.ROLE, last_used="2025-01-01")
    graph.add_principal(replace(old, tags={}))
    graph.mark_admin(old.node_id, "admin")

    [finding] = stale_identities(graph, options())

    assert finding.severity is Severity.MEDIUM


def test_long_lived_reads_secret_expiry() -> None:
    graph = TrustGraph()
    secrets = [
        {"id": "old-expired", "created": "2025-01-01", "expires": "2026-06-01"},
        {"id": "old-valid", "created": "2025-01-01", "expires": "2027-06-01"},
        {"id": "no-date"},
        {"id": "disabled", "created": "2020-01-01", "status": "Inactive"},
    ]
    graph.add_principal(
        principal(arn("role", "app"), NodeKind.SERVICE_PRINCIPAL, access_keys=secrets)
    )

    [finding] = long_lived_credentials(graph, options())

    assert finding.key == "old-valid"
    assert finding.evidence[0].detail == (
        "created 699 days ago, no recorded use, expires 2027-06-01"
    )


@pytest.mark.parametrize(
    ("attributes", "stale"),
    [
        ({"access_keys": [{"id": "k", "last_used": ""}]}, False),
        ({"access_keys": [{"id": "k", "last_used": "2025-01-01"}]}, True),
        ({"last_used": None, "create_date": "2025-01-01"}, True),
        ({"last_used": None, "create_date": "2026-11-01"}, False),
        ({"create_date": "2020-01-01"}, False),
    ],
)
def test_stale_needs_usage_data(attributes: dict, stale: bool) -> None:
    graph = TrustGraph()
    graph.add_principal(principal(arn("role", "r"), NodeKind.ROLE, **attributes))

    assert bool(list(stale_identities(graph, options()))) is stale


def test_missing_owner_skips_gcp_service_accounts() -> None:
    graph = TrustGraph()
    graph.add_principal(
        replace(
            principal(
                "serviceAccount:a@p.iam.gserviceaccount.com", NodeKind.SERVICE_ACCOUNT
            ),
            cloud=Cloud.GCP,
        )
    )
    graph.add_principal(
        replace(
            principal("/subscriptions/s/mi", NodeKind.MANAGED_IDENTITY),
            cloud=Cloud.AZURE,
        )
    )

    assert [f.subject for f in missing_owner(graph, options())] == [
        "/subscriptions/s/mi"
    ]


def test_missing_owner_reports_an_app_once() -> None:
    graph = TrustGraph()
    app = principal("app-object", NodeKind.APP_REGISTRATION, appId="A1")
    its_sp = principal("sp-object", NodeKind.SERVICE_PRINCIPAL, appId="A1")
    foreign_sp = principal("foreign-sp", NodeKind.SERVICE_PRINCIPAL, appId="B2")
    for node in (app, its_sp, foreign_sp):
        graph.add_principal(replace(node, cloud=Cloud.AZURE))

    found = missing_owner(graph, options())

    assert {f.subject for f in found} == {"app-object", "foreign-sp"}


SAMPLE_MISSING_EXPIRY = {
    "111111111111:role/OrganizationAdmin",
    "111111111111:role/billing-reporter",
    "111111111111:role/ci-deployer",
    "222222222222:role/app-lambda-exec",
    "222222222222:role/deployer",
    "222222222222:role/events-scheduler",
    "222222222222:role/payments-task",
    "222222222222:role/vendor-audit",
    "222222222222:role/vendor-monitoring",
    "222222222222:role/web-ec2",
    "333333333333:role/dev-lambda",
    "333333333333:role/gh-actions-any",
    "333333333333:role/gh-actions-webapp",
    "444444444444:role/etl-legacy",
    "444444444444:role/etl-runner",
    "444444444444:role/reports-share",
}


def test_hygiene_on_the_aws_sample() -> None:
    from crosstrust import load_graph
    from queries.findings import evaluate_rules
    from queries.rules.hygiene import HYGIENE_RULES

    graph = load_graph("sample_data/aws")
    found = [f for f in evaluate_rules(graph, options()) if f.rule in HYGIENE_RULES]

    # The sample tags owner and environment everywhere, expiry nowhere, and
    # records no key or last-use data: only the missing expiry shows.
    assert {f.rule for f in found} == {"identity.missing-owner"}
    assert {f.subject.removeprefix("arn:aws:iam::") for f in found} == (
        SAMPLE_MISSING_EXPIRY
    )
    assert {(str(f.severity), f.title.split(" has ")[1]) for f in found} == {
        ("low", "no expiry tag")
    }
