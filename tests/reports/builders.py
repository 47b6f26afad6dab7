"""Keyword builders for report tests: a small trust graph with known answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from graph.model import (
    Cloud,
    Condition,
    CoverageGap,
    Evidence,
    Finding,
    Mechanism,
    NodeKind,
    Principal,
    Severity,
    TrustEdge,
    Verdict,
)
from graph.trustgraph import TrustGraph
from queries.findings import RuleOptions

NOW = datetime(2026, 12, 1, tzinfo=UTC)
ACCOUNT = "111111111111"
VENDOR = "999999999999"
EVIL_NAME = "<img src=x onerror=alert(1)>\x1b[31m"
ALL_TAGS = {"owner": "platform", "environment": "prod", "expiry": "2027-06-30"}


def arn(kind: str, name: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:iam::{account}:{kind}/{name}"


def ago(days: int) -> str:
    return (NOW - timedelta(days=days)).isoformat().replace("+00:00", "Z")


def key(key_id: str, *, created: int, last_used: int | None, status: str = "Active"):
    return {
        "id": key_id,
        "status": status,
        "created": ago(created),
        "last_used": None if last_used is None else ago(last_used),
    }


def principal(
    node_id: str,
    kind: NodeKind,
    *,
    name: str = "",
    external: bool = False,
    tags: dict[str, str] | None = None,
    **attributes: Any,
) -> Principal:
    return Principal(
        node_id,
        kind,
        cloud=Cloud.AWS,
        name=name or node_id.rsplit("/", 1)[-1],
        container_id="" if external else ACCOUNT,
        external=external,
        tags=tags or {},
        attributes=attributes,
    )


def edge(source: str, target: str, mechanism: Mechanism, **kwargs: Any) -> TrustEdge:
    evidence = (Evidence(f"{target} trust policy", "0", f"{mechanism} for {source}"),)
    return TrustEdge(source, target, mechanism, evidence=evidence, **kwargs)


ALICE = arn("user", "alice")
BOB = arn("user", "bob")
DEPLOY_BOT = arn("user", "deploy-bot")
CI_DEPLOYER = arn("role", "ci-deployer")
ORG_ADMIN = arn("role", "OrganizationAdmin")
APP_RUNTIME = arn("role", "app-runtime")
BREAK_GLASS = arn("role", "BreakGlass")
VENDOR_AUDIT = arn("role", "vendor-audit")
EVIL = arn("role", EVIL_NAME)
SAML = arn("saml-provider", "okta")
OIDC = arn("oidc-provider", "token.actions.githubusercontent.com")
LAMBDA = "lambda.amazonaws.com"
VENDOR_ROOT = f"arn:aws:iam::{VENDOR}:root"


def sample_graph() -> TrustGraph:
    """Nine identities of one account, one vendor account trusted twice."""
    graph = TrustGraph()
    graph.organization_accounts.add(ACCOUNT)
    nodes = [
        principal(
            ALICE,
            NodeKind.USER,
            mfa_devices=1,
            password_last_used=ago(2),
            access_keys=[],
            create_date=ago(800),
        ),
        principal(
            BOB,
            NodeKind.USER,
            mfa_devices=0,
            password_last_used=ago(400),
            access_keys=[key("AKIABOB1", created=500, last_used=400)],
            create_date=ago(900),
        ),
        principal(
            DEPLOY_BOT,
            NodeKind.USER,
            tags={"owner": "platform"},
            mfa_devices=0,
            access_keys=[
                key("AKIADEPLOY", created=200, last_used=1),
                key("AKIAOLD", created=900, last_used=None, status="Inactive"),
            ],
            create_date=ago(900),
        ),
        principal(
            CI_DEPLOYER,
            NodeKind.ROLE,
            tags=ALL_TAGS,
            last_used=ago(1),
            create_date=ago(300),
        ),
        principal(ORG_ADMIN, NodeKind.ROLE, last_used=ago(3), create_date=ago(1000)),
        principal(APP_RUNTIME, NodeKind.ROLE, last_used=None, create_date=ago(120)),
        principal(
            BREAK_GLASS,
            NodeKind.ROLE,
            tags={"break-glass": "true"},
            last_used=ago(700),
            create_date=ago(1000),
        ),
        principal(
            VENDOR_AUDIT,
            NodeKind.ROLE,
            tags=ALL_TAGS,
            last_used=ago(10),
            create_date=ago(400),
        ),
        principal(
            EVIL, NodeKind.ROLE, name=EVIL_NAME, last_used=ago(5), create_date=ago(30)
        ),
        principal(SAML, NodeKind.SAML_PROVIDER),
        principal(OIDC, NodeKind.OIDC_PROVIDER),
        Principal(LAMBDA, NodeKind.SERVICE, name=LAMBDA, external=True),
        principal(VENDOR_ROOT, NodeKind.ACCOUNT_ROOT, external=True),
    ]
    for node in nodes:
        graph.add_principal(node)
    for node_id in (ALICE, ORG_ADMIN, BREAK_GLASS):
        graph.mark_admin(node_id, "AdministratorAccess attached")
    for item in sample_edges():
        graph.add_edge(item)
    graph.add_gap(
        CoverageGap(
            scope="222222222222",
            reason="access-denied",
            detail="iam:GetAccountAuthorizationDetails denied",
        )
    )
    return graph


def sample_edges() -> list[TrustEdge]:
    subject = Condition(
        "StringLike",
        "token.actions.githubusercontent.com:sub",
        ("repo:acme/app:*",),
        Verdict.DEPENDS,
    )
    return [
        edge(BOB, ORG_ADMIN, Mechanism.ASSUME_ROLE),
        edge(CI_DEPLOYER, ORG_ADMIN, Mechanism.ASSUME_ROLE),
        edge(SAML, ORG_ADMIN, Mechanism.ASSUME_ROLE_SAML),
        edge(
            OIDC, CI_DEPLOYER, Mechanism.ASSUME_ROLE_WEB_IDENTITY, conditions=(subject,)
        ),
        edge(LAMBDA, APP_RUNTIME, Mechanism.ASSUME_ROLE),
        edge(VENDOR_ROOT, VENDOR_AUDIT, Mechanism.ASSUME_ROLE, cross_boundary=True),
        edge(VENDOR_ROOT, EVIL, Mechanism.ASSUME_ROLE, cross_boundary=True),
    ]


def options(**changes: Any) -> RuleOptions:
    return RuleOptions(now=NOW, **changes)


def trust_findings(graph: TrustGraph) -> list[Finding]:
    """Findings the trust and path rules would raise on the sample graph."""
    escalation = graph.edge(CI_DEPLOYER, ORG_ADMIN, Mechanism.ASSUME_ROLE)
    vendor = graph.edge(VENDOR_ROOT, VENDOR_AUDIT, Mechanism.ASSUME_ROLE)
    evil = graph.edge(VENDOR_ROOT, EVIL, Mechanism.ASSUME_ROLE)
    assert escalation and vendor and evil
    return [
        Finding(
            rule="path.escalation-to-admin",
            severity=Severity.HIGH,
            subject=CI_DEPLOYER,
            path=(OIDC, CI_DEPLOYER, ORG_ADMIN),
            edges=(
                graph.edge(OIDC, CI_DEPLOYER, Mechanism.ASSUME_ROLE_WEB_IDENTITY),
                escalation,
            ),
            evidence=escalation.evidence,
            title="ci-deployer can become OrganizationAdmin",
            remediation="Remove sts:AssumeRole on OrganizationAdmin from ci-deployer.",
        ),
        Finding(
            rule="trust.external-no-external-id",
            severity=Severity.HIGH,
            subject=VENDOR_AUDIT,
            path=(VENDOR_ROOT, VENDOR_AUDIT),
            edges=(vendor,),
            evidence=vendor.evidence,
            title="vendor-audit trusts 999999999999 without an external id",
            remediation="Add an sts:ExternalId condition.",
        ),
        Finding(
            rule="trust.external-no-external-id",
            severity=Severity.CRITICAL,
            subject=EVIL,
            path=(VENDOR_ROOT, EVIL),
            edges=(evil,),
            evidence=(Evidence(f"{EVIL_NAME} trust", "0", f"names {EVIL_NAME}"),),
            title=f"{EVIL_NAME} trusts 999999999999",
            remediation="Add an sts:ExternalId condition.",
        ),
    ]
