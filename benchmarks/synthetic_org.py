"""Snapshot stage for benchmarks: write a synthetic AWS organisation as native exports.

The organisation has ``accounts`` accounts of ``roles`` roles each, with the trust
mix of a real estate: service roles (most with source conditions), role chains
inside the organisation, account-root delegation, third-party vendors with and
without an external id, GitHub OIDC deployment roles (pinned, broad and open),
service-linked roles, a few admin roles and escalation-prone policies, and
some users in groups. The output is deterministic for a given seed.

Run ``python3 benchmarks/synthetic_org.py OUT --accounts 100 --roles 200``.
"""

from __future__ import annotations

import argparse
import json
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ORG_ID = "o-synthetic01"
GITHUB = "token.actions.githubusercontent.com"
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
READONLY_ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"
SERVICES = (
    "lambda.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "ec2.amazonaws.com",
    "glue.amazonaws.com",
    "states.amazonaws.com",
    "events.amazonaws.com",
)
SERVICE_LINKED = (
    "autoscaling.amazonaws.com",
    "elasticloadbalancing.amazonaws.com",
    "rds.amazonaws.com",
)
VENDORS = ("900000000001", "900000000002", "900000000003")


@dataclass(frozen=True, slots=True)
class OrgShape:
    """How big the organisation is and which account ids it uses."""

    accounts: int
    roles: int
    seed: int = 7

    def account_id(self, index: int) -> str:
        return f"{100000000000 + index:012d}"

    @property
    def account_ids(self) -> list[str]:
        return [self.account_id(i) for i in range(self.accounts)]


def _document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(action: Any, resource: Any = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def _trust(
    principal: Any, action: str = "sts:AssumeRole", **extra: Any
) -> dict[str, Any]:
    return _document(
        {"Effect": "Allow", "Principal": principal, "Action": action, **extra}
    )


def _role_arn(account_id: str, name: str) -> str:
    return f"arn:aws:iam::{account_id}:role/{name}"


def _service_trust(rng: random.Random, account_id: str, index: int) -> dict[str, Any]:
    service = SERVICES[index % len(SERVICES)]
    if rng.random() < 0.8:
        condition = {"StringEquals": {"aws:SourceAccount": account_id}}
        return _trust({"Service": service}, Condition=condition)
    return _trust({"Service": service})


def _chain_trust(
    rng: random.Random, shape: OrgShape, account_id: str, index: int
) -> dict[str, Any]:
    # A deployer role of a neighbouring account, as CI pipelines set up.
    other = shape.account_id(rng.randrange(shape.accounts))
    return _trust({"AWS": _role_arn(other, f"deployer-{index % 5}")})


def _root_trust(rng: random.Random, shape: OrgShape, account_id: str) -> dict[str, Any]:
    own = rng.random() < 0.6
    trusted = account_id if own else shape.account_id(0)
    return _trust({"AWS": f"arn:aws:iam::{trusted}:root"})


def _vendor_trust(rng: random.Random) -> dict[str, Any]:
    vendor = f"arn:aws:iam::{rng.choice(VENDORS)}:root"
    if rng.random() < 0.7:
        condition = {"StringEquals": {"sts:ExternalId": f"ext-{rng.randrange(10**6)}"}}
        return _trust({"AWS": vendor}, Condition=condition)
    return _trust({"AWS": vendor})


def _oidc_trust(rng: random.Random, account_id: str, index: int) -> dict[str, Any]:
    provider = f"arn:aws:iam::{account_id}:oidc-provider/{GITHUB}"
    roll = rng.random()
    condition: dict[str, Any] = {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"}}
    if roll < 0.7:
        subject = f"repo:synthetic/app-{index}:ref:refs/heads/main"
        condition["StringEquals"][f"{GITHUB}:sub"] = subject
    elif roll < 0.93:
        condition["StringLike"] = {f"{GITHUB}:sub": f"repo:synthetic/app-{index}:*"}
    return _trust(
        {"Federated": provider},
        "sts:AssumeRoleWithWebIdentity",
        Condition=condition,
    )


def _org_wide_trust() -> dict[str, Any]:
    condition = {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}}
    return _trust({"AWS": "*"}, Condition=condition)


def _identity_policy(
    rng: random.Random, shape: OrgShape, account_id: str, index: int
) -> dict[str, Any]:
    statements = [
        _allow(
            ["s3:GetObject", "s3:PutObject"],
            f"arn:aws:s3:::bucket-{account_id}-{index}/*",
        ),
        _allow(["dynamodb:GetItem", "dynamodb:Query"]),
    ]
    roll = rng.random()
    if roll < 0.08:
        # Role chaining: may assume deployers anywhere in the organisation.
        statements.append(_allow("sts:AssumeRole", "arn:aws:iam::*:role/deployer-*"))
    elif roll < 0.12:
        statements.append(_allow("sts:AssumeRole", _role_arn(account_id, "*")))
    elif roll < 0.15:
        # Escalation-prone: may rewrite policies or hand roles to compute.
        statements.append(
            _allow(["iam:CreatePolicyVersion", "iam:AttachRolePolicy", "iam:PassRole"])
        )
    return _document(*statements)


def _role(
    account_id: str,
    name: str,
    trust: dict[str, Any],
    *,
    policy: dict[str, Any] | None = None,
    attached: tuple[str, ...] = (),
    path: str = "/",
) -> dict[str, Any]:
    arn = f"arn:aws:iam::{account_id}:role{path}{name}"
    return {
        "Path": path,
        "RoleName": name,
        "RoleId": f"AROA{zlib.crc32(arn.encode()):017d}",
        "Arn": arn,
        "CreateDate": "2025-01-01T00:00:00+00:00",
        "AssumeRolePolicyDocument": trust,
        "RolePolicyList": [{"PolicyName": "main", "PolicyDocument": policy}]
        if policy
        else [],
        "AttachedManagedPolicies": [
            {"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in attached
        ],
        "Tags": [{"Key": "owner", "Value": f"team-{len(name) % 7}"}],
        "RoleLastUsed": {},
    }


TrustMaker = Callable[[random.Random, OrgShape, str, int], dict[str, Any]]

# Cumulative shares of the trust mix for ordinary roles.
MIX: tuple[tuple[float, TrustMaker], ...] = (
    (0.49, lambda r, s, a, i: _service_trust(r, a, i)),
    (0.65, _chain_trust),
    (0.80, lambda r, s, a, i: _root_trust(r, s, a)),
    (0.85, lambda r, s, a, i: _vendor_trust(r)),
    (0.99, lambda r, s, a, i: _oidc_trust(r, a, i)),
    # Few roles are open to the whole organisation; each admin of every
    # account can assume them, so their edges grow as admins x such roles.
    (1.00, lambda r, s, a, i: _org_wide_trust()),
)


def _trust_for(rng: random.Random, shape: OrgShape, account_id: str, index: int) -> Any:
    roll = rng.random()
    for share, maker in MIX:
        if roll < share:
            return maker(rng, shape, account_id, index)
    return _service_trust(rng, account_id, index)


def _account_roles(rng: random.Random, shape: OrgShape, account_id: str) -> list[Any]:
    roles = [
        _role(
            account_id,
            "OrganizationAccountAccessRole",
            _trust({"AWS": f"arn:aws:iam::{shape.account_id(0)}:root"}),
            attached=(ADMIN_ARN,),
        )
    ]
    for number in range(5):
        trust = _trust({"AWS": f"arn:aws:iam::{account_id}:root"})
        policy = _document(_allow(["cloudformation:*", "s3:*"]))
        roles.append(_role(account_id, f"deployer-{number}", trust, policy=policy))
    # One vendor trust with and one without an external id in every account.
    vendor = f"arn:aws:iam::{VENDORS[0]}:root"
    pinned = {"StringEquals": {"sts:ExternalId": f"ext-{account_id}"}}
    roles.append(
        _role(account_id, "vendor-audit", _trust({"AWS": vendor}, Condition=pinned))
    )
    roles.append(_role(account_id, "vendor-legacy", _trust({"AWS": vendor})))
    for service in SERVICE_LINKED:
        name = f"AWSServiceRoleFor{service.split('.')[0].title()}"
        path = f"/aws-service-role/{service}/"
        roles.append(_role(account_id, name, _trust({"Service": service}), path=path))
    for index in range(len(roles), shape.roles):
        trust = _trust_for(rng, shape, account_id, index)
        if rng.random() < 0.02:
            roles.append(
                _role(account_id, f"admin-{index}", trust, attached=(ADMIN_ARN,))
            )
            continue
        policy = _identity_policy(rng, shape, account_id, index)
        roles.append(_role(account_id, f"app-{index}", trust, policy=policy))
    return roles[: shape.roles]


def _account_users(account_id: str, count: int) -> tuple[list[Any], list[Any]]:
    groups = [
        {
            "Path": "/",
            "GroupName": name,
            "GroupId": f"AGPA{account_id}{number:05d}",
            "Arn": f"arn:aws:iam::{account_id}:group/{name}",
            "GroupPolicyList": [],
            "AttachedManagedPolicies": [
                {"PolicyName": attached.rsplit("/", 1)[-1], "PolicyArn": attached}
            ],
        }
        for number, (name, attached) in enumerate(
            (("admins", ADMIN_ARN), ("readers", READONLY_ARN))
        )
    ]
    users = [
        {
            "Path": "/",
            "UserName": f"user-{number}",
            "UserId": f"AIDA{account_id}{number:05d}",
            "Arn": f"arn:aws:iam::{account_id}:user/user-{number}",
            "GroupList": ["admins" if number == 0 else "readers"],
            "UserPolicyList": [],
            "AttachedManagedPolicies": [],
            "Tags": [],
        }
        for number in range(count)
    ]
    return users, groups


def write_organization(shape: OrgShape, folder: Path) -> list[Path]:
    """Write one authz export per account plus the organisation files."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(shape.seed)
    written = []
    for account_id in shape.account_ids:
        users, groups = _account_users(account_id, max(2, shape.roles // 20))
        export = {
            "UserDetailList": users,
            "GroupDetailList": groups,
            "RoleDetailList": _account_roles(rng, shape, account_id),
            "Policies": [],
            "IsTruncated": False,
        }
        path = folder / f"{account_id}.authz.json"
        path.write_text(json.dumps(export, separators=(",", ":")))
        written.append(path)
    accounts = [
        {"Id": a, "Name": f"account-{n}", "Status": "ACTIVE"}
        for n, a in enumerate(shape.account_ids)
    ]
    (folder / "org-accounts.json").write_text(json.dumps({"Accounts": accounts}))
    organization = {"Id": ORG_ID, "MasterAccountId": shape.account_id(0)}
    (folder / "organization.json").write_text(
        json.dumps({"Organization": organization})
    )
    providers = [
        {"Arn": f"arn:aws:iam::{a}:oidc-provider/{GITHUB}"} for a in shape.account_ids
    ]
    (folder / "oidc-providers.json").write_text(
        json.dumps({"OpenIDConnectProviderList": providers})
    )
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--roles", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    write_organization(OrgShape(args.accounts, args.roles, args.seed), args.out)


if __name__ == "__main__":
    main()
