"""The bundled AWS sample: the intended findings fire, look-alikes stay silent."""

from __future__ import annotations

import itertools

import pytest

from crosstrust import load_graph
from graph.model import Finding, Mechanism, Severity, Verdict
from graph.trustgraph import TrustGraph
from queries.findings import evaluate_rules
from queries.register import external_trust_register
from queries.rules.hygiene import HYGIENE_RULES

SAMPLE = "sample_data/aws"
MGMT = "arn:aws:iam::111111111111"
PROD = "arn:aws:iam::222222222222"
DEV = "arn:aws:iam::333333333333"
DATA = "arn:aws:iam::444444444444"
OAAR = "role/OrganizationAccountAccessRole"

# Admins may assume any role, so they act through their account's caller
# set (the account root node), and every account's set belongs to the
# organisation's: a trust naming the management root or the whole
# organisation is one edge from that set, not one per admin.
MGMT_ADMINS = (
    f"{MGMT}:user/alice",
    f"{MGMT}:role/OrganizationAdmin",
    f"{MGMT}:role/sso-admins",
)
MEMBER_ADMINS = (
    f"{PROD}:{OAAR}",
    f"{PROD}:role/prod-admin",
    f"{DEV}:{OAAR}",
    f"{DEV}:role/dev-admin",
    f"{DEV}:role/service-role/dev-build-admin",
    f"{DATA}:{OAAR}",
)
MGMT_SET = f"{MGMT}:root"
ORG_SET = "aws-org-callers:o-exampleorg1"
MGMT_REACH = (
    f"{PROD}:{OAAR}",
    f"{DEV}:{OAAR}",
    f"{DEV}:role/dev-admin",
    f"{DEV}:role/dev-readonly",
    f"{DATA}:{OAAR}",
)
DATA_OPEN = (f"{DATA}:role/legacy-open-role", f"{DATA}:role/shared-reader")
DEVELOPERS = (f"{MGMT}:user/bob", f"{MGMT}:user/carol")
DEV_ROLES = (f"{DEV}:role/dev-admin", f"{DEV}:role/dev-readonly")

CROSS_ACCOUNT = {
    *itertools.product((MGMT_SET,), MGMT_REACH),
    *itertools.product((ORG_SET,), DATA_OPEN),
    *itertools.product(DEVELOPERS, DEV_ROLES),
    (f"{MGMT}:role/ci-deployer", f"{PROD}:role/deployer"),
}

INTENDED = {
    ("trust.broad-principal", f"{DATA}:role/legacy-open-role"),
    ("trust.external-no-external-id", f"{PROD}:role/vendor-monitoring"),
    ("trust.oidc-unrestricted-subject", f"{DEV}:role/gh-actions-any"),
    ("trust.oidc-broad-subject", f"{DEV}:role/gh-actions-webapp"),
    ("trust.service-confused-deputy", f"{PROD}:role/events-scheduler"),
    ("trust.dangling-principal", f"{DATA}:role/etl-legacy"),
    ("policy.invalid-element", f"{DATA}:role/reports-share"),
    ("policy.set-operator-single-valued", f"{DATA}:user/analyst"),
    ("path.escalation-to-admin", f"{MGMT}:role/ci-deployer"),
    ("path.escalation-to-admin", f"{PROD}:role/deployer"),
    ("path.escalation-to-admin", f"{MGMT}:user/bob"),
    ("path.escalation-to-admin", f"{MGMT}:user/carol"),
    # Technique routes: PassRole to CodeBuild, and a self-granted policy.
    ("path.escalation-to-admin", f"{DEV}:role/gh-actions-webapp"),
    ("path.escalation-to-admin", f"{DATA}:user/data-steward"),
    *{("path.cross-account", source) for source, _ in CROSS_ACCOUNT},
}

# Clean look-alikes: each would fire if the narrowing condition were ignored.
SILENT = {
    ("trust.external-no-external-id", f"{PROD}:role/vendor-audit"),
    ("trust.broad-principal", f"{DATA}:role/shared-reader"),
    ("trust.broad-principal", f"{DATA}:role/reports-share"),
    ("trust.oidc-unrestricted-subject", f"{MGMT}:role/ci-deployer"),
    ("trust.oidc-broad-subject", f"{MGMT}:role/ci-deployer"),
    ("trust.service-confused-deputy", f"{PROD}:role/app-lambda-exec"),
    ("trust.service-confused-deputy", f"{PROD}:role/payments-task"),
    ("trust.service-confused-deputy", f"{PROD}:role/web-ec2"),
    ("trust.service-confused-deputy", f"{MGMT}:role/billing-reporter"),
    (
        "trust.service-confused-deputy",
        f"{PROD}:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport",
    ),
    ("path.escalation-to-admin", f"{DEV}:user/contractor"),
}


@pytest.fixture(scope="module")
def sample() -> TrustGraph:
    return load_graph(SAMPLE)


@pytest.fixture(scope="module")
def findings(sample: TrustGraph) -> list[Finding]:
    return evaluate_rules(sample)


def _by_rule(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def test_exactly_the_intended_findings(findings: list[Finding]) -> None:
    # Hygiene findings on the sample are pinned in tests/queries/test_hygiene.py.
    found = {(f.rule, f.subject) for f in findings if f.rule not in HYGIENE_RULES}
    assert found == INTENDED


def test_look_alikes_stay_silent(findings: list[Finding]) -> None:
    assert not {(f.rule, f.subject) for f in findings} & SILENT


def test_admins_act_through_caller_sets(sample: TrustGraph) -> None:
    members = {
        e.source: e.target
        for e in sample.edges(Mechanism.MEMBER_OF)
        if sample.principal(e.target).attributes.get("caller_set")
    }
    expected = {a: MGMT_SET for a in MGMT_ADMINS}
    expected |= {a: a.split(":role/")[0] + ":root" for a in MEMBER_ADMINS}
    expected |= {f"{account}:root": ORG_SET for account in (MGMT, PROD, DEV, DATA)}
    assert members == expected
    for admin in (*MGMT_ADMINS, *MEMBER_ADMINS):
        for target in DATA_OPEN:
            assert sample.principal(target).node_id in _reachable(sample, admin)


def _reachable(sample: TrustGraph, source: str) -> set[str]:
    from queries.paths import reachable_from

    return reachable_from(sample, source)


def test_cross_account_routes_exact(findings: list[Finding]) -> None:
    routes = {f.path for f in _by_rule(findings, "path.cross-account")}
    assert routes == set(CROSS_ACCOUNT)


def test_escalation_routes(findings: list[Finding]) -> None:
    routes = {f.subject: f for f in _by_rule(findings, "path.escalation-to-admin")}
    webapp = routes[f"{DEV}:role/gh-actions-webapp"]
    assert webapp.path == (
        f"{DEV}:role/gh-actions-webapp",
        f"{DEV}:role/service-role/dev-build-admin",
    )
    assert [str(e.mechanism) for e in webapp.edges] == ["pass_role"]
    steward = routes[f"{DATA}:user/data-steward"]
    assert steward.path == (f"{DATA}:user/data-steward",)
    assert steward.title.startswith("can grant itself admin: attach_policy")
    deployer = routes[f"{PROD}:role/deployer"]
    assert deployer.path == (f"{PROD}:role/deployer", f"{PROD}:role/prod-admin")
    # prod-admin lives in the account named "prod": production is critical,
    # and a route to it is reported before a shorter one to another admin.
    assert deployer.severity is Severity.CRITICAL
    ci = routes[f"{MGMT}:role/ci-deployer"]
    assert ci.path == (
        f"{MGMT}:role/ci-deployer",
        f"{PROD}:role/deployer",
        f"{PROD}:role/prod-admin",
    )
    assert ci.severity is Severity.CRITICAL
    # bob reaches dev-admin only with MFA: the route is kept, marked conditional.
    bob = routes[f"{MGMT}:user/bob"]
    assert bob.path == (f"{MGMT}:user/bob", f"{DEV}:role/dev-admin")
    assert [e.conditional for e in bob.edges] == [True]


def test_severities(findings: list[Finding]) -> None:
    worst = {}
    for finding in findings:
        key = (finding.rule, finding.subject)
        worst[key] = max(worst.get(key, 0), finding.severity.rank)
    assert worst[("trust.broad-principal", f"{DATA}:role/legacy-open-role")] == 4
    assert worst[("trust.oidc-unrestricted-subject", f"{DEV}:role/gh-actions-any")] == 4
    assert (
        worst[("trust.external-no-external-id", f"{PROD}:role/vendor-monitoring")] == 3
    )
    assert worst[("trust.dangling-principal", f"{DATA}:role/etl-legacy")] == 0


def test_url_encoded_trust_policy_is_decoded(sample: TrustGraph) -> None:
    edge = sample.edge(
        "arn:aws:iam::999999999999:root",
        f"{PROD}:role/vendor-audit",
        Mechanism.ASSUME_ROLE,
    )
    assert edge is not None
    assert [(c.key, c.values, c.verdict) for c in edge.conditions] == [
        ("sts:ExternalId", ("vendor-issued-7f3a9c",), Verdict.DEPENDS)
    ]


def test_boundary_blocks_contractor(sample: TrustGraph) -> None:
    blocked = {(b.edge.source, b.edge.target) for b in sample.blocked}
    assert blocked == {(f"{DEV}:user/contractor", f"{DEV}:role/dev-sandbox")}
    assert sample.out_edges(f"{DEV}:user/contractor") == []


def test_admins(sample: TrustGraph) -> None:
    assert set(sample.admins()) == {
        f"{MGMT}:user/alice",
        f"{MGMT}:role/OrganizationAdmin",
        f"{MGMT}:role/sso-admins",
        f"{PROD}:{OAAR}",
        f"{PROD}:role/prod-admin",
        f"{DEV}:{OAAR}",
        f"{DEV}:role/dev-admin",
        f"{DEV}:role/service-role/dev-build-admin",
        f"{DATA}:{OAAR}",
        # Latent: can attach any policy to itself.
        f"{DATA}:user/data-steward",
    }
    assert sample.is_latent_admin(f"{DATA}:user/data-steward")
    assert not sample.is_latent_admin(f"{DEV}:role/dev-admin")


def test_sample_loads_completely(sample: TrustGraph) -> None:
    assert sample.coverage == []
    assert sample.organization_accounts == {
        "111111111111",
        "222222222222",
        "333333333333",
        "444444444444",
    }
    loaded = [
        p for p in sample.principals() if p.container_id in sample.loaded_containers
    ]
    identities = [p for p in loaded if str(p.kind) in ("user", "group", "role")]
    assert len(identities) == 46


def test_hostile_tag_is_kept_verbatim(sample: TrustGraph) -> None:
    intern = sample.principal(f"{DEV}:user/intern")
    assert intern.tags["display-name"] == "<img src=x onerror=alert(1)>"


def test_external_trust_register(sample: TrustGraph) -> None:
    gh = "oidc:token.actions.githubusercontent.com"
    register = {
        (t.party, t.target, t.mechanism): tuple(
            c.key for c in t.conditions if c.verdict is Verdict.DEPENDS
        )
        for t in external_trust_register(sample)
    }
    saml = f"{MGMT}:saml-provider/corp-idp"
    assert register == {
        ("*", f"{DATA}:role/legacy-open-role", "assume_role"): (),
        ("*", f"{DATA}:role/shared-reader", "assume_role"): ("aws:PrincipalOrgID",),
        (saml, f"{MGMT}:role/sso-admins", "assume_role_saml"): ("SAML:aud",),
        (saml, f"{MGMT}:role/sso-readonly", "assume_role_saml"): ("SAML:aud",),
        (
            "arn:aws:iam::888888888888:root",
            f"{PROD}:role/vendor-monitoring",
            "assume_role",
        ): (),
        (
            "arn:aws:iam::999999999999:root",
            f"{PROD}:role/vendor-audit",
            "assume_role",
        ): ("sts:ExternalId",),
        (f"{gh}:*", f"{DEV}:role/gh-actions-any", "assume_role_web_identity"): (),
        (
            f"{gh}:repo:example-org/infra:ref:refs/heads/main",
            f"{MGMT}:role/ci-deployer",
            "assume_role_web_identity",
        ): (),
        (
            f"{gh}:repo:example-org/webapp:*",
            f"{DEV}:role/gh-actions-webapp",
            "assume_role_web_identity",
        ): (),
    }
