"""Test fixture: a seeded synthetic AWS organisation for every pack question."""

from __future__ import annotations

import random

from graph.model import (
    Cloud,
    Condition,
    Evidence,
    Mechanism,
    NodeKind,
    Principal,
    TrustEdge,
    Verdict,
)
from graph.trustgraph import TrustGraph

OUTSIDE_ACCOUNT = "999999999999"
GITHUB = "token.actions.githubusercontent.com"


def _account(index: int) -> str:
    return f"{100000000000 + index}"


def _role(account_id: str, name: str) -> str:
    return f"arn:aws:iam::{account_id}:role/{name}"


def _depends(key: str, *values: str) -> Condition:
    return Condition("StringEquals", key, values, Verdict.DEPENDS)


def _evidence(target: str, index: int) -> Evidence:
    return Evidence(f"{target} trust policy", f"Statement[{index}]", 'quote " and \\')


def synthetic_org(
    *,
    accounts: int = 3,
    roles_per_account: int = 6,
    seed: int = 7,
) -> TrustGraph:
    """An organisation of ``accounts`` accounts with routes, cycles and risky trusts.

    Every account has an ``admin`` role (marked admin), a deployer user,
    and numbered roles wired by seeded random assume-role edges, some of
    them across accounts and some conditional; outside parties cover each
    trust rule both when it fires and when a condition stops it.
    """
    rng = random.Random(seed)
    graph = TrustGraph()
    roles: list[str] = []

    for index in range(accounts):
        account_id = _account(index)
        graph.organization_accounts.add(account_id)
        graph.add_principal(
            Principal(
                account_id,
                NodeKind.AWS_ACCOUNT,
                name=f"prod-{index}" if index == 0 else f"dev-{index}",
                tags={"env": "prod" if index == 0 else "dev"},
            )
        )
        admin = _role(account_id, "admin")
        graph.add_principal(
            Principal(admin, NodeKind.ROLE, name="admin", container_id=account_id)
        )
        graph.mark_admin(admin, "AdministratorAccess")
        for number in range(roles_per_account):
            role_id = _role(account_id, f"app-{number}")
            graph.add_principal(
                Principal(
                    role_id,
                    NodeKind.ROLE,
                    name=f"app-{number}",
                    container_id=account_id,
                    attributes={"path": "/", "max_session": 3600},
                )
            )
            roles.append(role_id)
        user_id = f"arn:aws:iam::{account_id}:user/deployer"
        graph.add_principal(
            Principal(user_id, NodeKind.USER, name="deployer", container_id=account_id)
        )
        roles.append(user_id)

    _wire_routes(graph, rng, roles)
    _add_outside_parties(graph, accounts)
    return graph


def _wire_routes(graph: TrustGraph, rng: random.Random, roles: list[str]) -> None:
    # Random assume-role edges (with cycles), a few to admins, some conditional.
    for index, source in enumerate(roles):
        for _ in range(2):
            target = rng.choice(roles)
            if target == source:
                continue
            conditions = (_depends("aws:MultiFactorAuthPresent", "true"),)
            _assume(
                graph, source, target, conditions if rng.random() < 0.3 else (), index
            )
        if rng.random() < 0.15:
            account_id = graph.container_of(rng.choice(roles))
            _assume(graph, source, _role(account_id, "admin"), (), index)


def _assume(
    graph: TrustGraph,
    source: str,
    target: str,
    conditions: tuple[Condition, ...],
    index: int,
    mechanism: Mechanism = Mechanism.ASSUME_ROLE,
) -> None:
    graph.add_edge(
        TrustEdge(
            source,
            target,
            mechanism,
            conditions=conditions,
            evidence=(_evidence(target, index),),
            cross_boundary=graph.container_of(source) != graph.container_of(target),
        )
    )


def _add_outside_parties(graph: TrustGraph, accounts: int) -> None:
    first = _account(0)
    last = _account(accounts - 1)
    vendor_root = f"arn:aws:iam::{OUTSIDE_ACCOUNT}:root"
    vendor_role = f"arn:aws:iam::{OUTSIDE_ACCOUNT}:role/vendor"
    outside = (
        Principal("*", NodeKind.PUBLIC, cloud=Cloud.EXTERNAL, name="*", external=True),
        Principal(
            vendor_root,
            NodeKind.ACCOUNT_ROOT,
            name="vendor",
            container_id=OUTSIDE_ACCOUNT,
            external=True,
        ),
        Principal(
            vendor_role,
            NodeKind.ROLE,
            name="vendor",
            container_id=OUTSIDE_ACCOUNT,
            external=True,
        ),
        Principal("service:lambda.amazonaws.com", NodeKind.SERVICE, name="lambda"),
        Principal("service:ec2.amazonaws.com", NodeKind.SERVICE, name="ec2"),
        _oidc("repo:acme/*", "any"),
        _oidc("repo:acme/app:*", "broad"),
        _oidc("repo:acme/app:ref:refs/heads/main", "exact"),
    )
    for principal in outside:
        graph.add_principal(principal)
    linked = _role(first, "aws-service-role/lambda-linked")
    graph.add_principal(
        Principal(
            linked,
            NodeKind.ROLE,
            name="lambda-linked",
            container_id=first,
            attributes={"service_linked": True},
        )
    )

    org_id = Condition("StringEquals", "aws:PrincipalOrgID", ("o-1",), Verdict.DEPENDS)
    source_account = _depends("aws:SourceAccount", first)
    external_id = _depends("sts:ExternalId", "vendor-issued")
    trusts = (
        ("*", _role(first, "app-0"), ()),
        ("*", _role(last, "app-1"), (org_id,)),
        (vendor_root, _role(first, "admin"), ()),
        (vendor_root, _role(last, "app-2"), (external_id,)),
        (vendor_role, _role(last, "app-3"), ()),
        ("service:lambda.amazonaws.com", _role(first, "app-4"), ()),
        ("service:lambda.amazonaws.com", _role(last, "app-5"), (source_account,)),
        ("service:lambda.amazonaws.com", linked, ()),
        ("service:ec2.amazonaws.com", _role(first, "app-1"), ()),
    )
    for index, (source, target, conditions) in enumerate(trusts):
        _assume(graph, source, target, conditions, index)
    for index, (pattern, target) in enumerate(
        (
            ("repo:acme/*", _role(first, "app-2")),
            ("repo:acme/app:*", _role(last, "app-0")),
            ("repo:acme/app:ref:refs/heads/main", _role(first, "app-3")),
        )
    ):
        source = f"oidc:{GITHUB}:{pattern}"
        _assume(graph, source, target, (), index, Mechanism.ASSUME_ROLE_WEB_IDENTITY)

    group = f"arn:aws:iam::{first}:group/ops"
    graph.add_principal(
        Principal(group, NodeKind.GROUP, name="ops", container_id=first)
    )
    deployer = f"arn:aws:iam::{last}:user/deployer"
    _assume(graph, deployer, group, (), 0, Mechanism.MEMBER_OF)
    _assume(graph, group, _role(first, "app-5"), (), 1)


def _oidc(pattern: str, scope: str) -> Principal:
    return Principal(
        f"oidc:{GITHUB}:{pattern}",
        NodeKind.FEDERATED_SUBJECT,
        cloud=Cloud.EXTERNAL,
        name=pattern,
        external=True,
        attributes={"issuer": GITHUB, "pattern": pattern, "subject_scope": scope},
    )
