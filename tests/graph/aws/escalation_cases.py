"""Keyword-only builders of tiny authorization-details exports for escalation tests."""

from __future__ import annotations

from typing import Any

from graph.build import build_graph
from graph.load import Inventory, LoadedDocument
from graph.trustgraph import TrustGraph

ACCOUNT = "111111111111"
OTHER = "222222222222"


def arn(kind: str, name: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:iam::{account}:{kind}/{name}"


def allow(
    actions: str | list[str], resource: Any = "*", **extra: Any
) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resource, **extra}


def deny(actions: str | list[str], resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": actions, "Resource": resource, **extra}


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def inline(*statements: dict[str, Any], name: str = "inline") -> list[dict[str, Any]]:
    return (
        [{"PolicyName": name, "PolicyDocument": document(*statements)}]
        if statements
        else []
    )


def user(
    name: str,
    *statements: dict[str, Any],
    groups: tuple[str, ...] = (),
    managed: tuple[str, ...] = (),
    boundary: str = "",
    account: str = ACCOUNT,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "UserName": name,
        "Arn": arn("user", name, account),
        "UserPolicyList": inline(*statements),
        "GroupList": list(groups),
        "AttachedManagedPolicies": [
            {"PolicyName": m.rsplit("/", 1)[-1], "PolicyArn": m} for m in managed
        ],
    }
    if boundary:
        record["PermissionsBoundary"] = {"PermissionsBoundaryArn": boundary}
    return record


def role(
    name: str,
    *statements: dict[str, Any],
    services: tuple[str, ...] = (),
    trusts: tuple[str, ...] = (),
    profile: bool = False,
    managed: tuple[str, ...] = (),
    boundary: str = "",
    account: str = ACCOUNT,
) -> dict[str, Any]:
    trust = []
    if services:
        trust.append(
            {
                "Effect": "Allow",
                "Principal": {"Service": list(services)},
                "Action": "sts:AssumeRole",
            }
        )
    if trusts:
        trust.append(
            {
                "Effect": "Allow",
                "Principal": {"AWS": list(trusts)},
                "Action": "sts:AssumeRole",
            }
        )
    role_arn = arn("role", name, account)
    record: dict[str, Any] = {
        "RoleName": name,
        "Arn": role_arn,
        "AssumeRolePolicyDocument": document(*trust) if trust else document(),
        "RolePolicyList": inline(*statements),
        "AttachedManagedPolicies": [
            {"PolicyName": m.rsplit("/", 1)[-1], "PolicyArn": m} for m in managed
        ],
        "InstanceProfileList": [],
    }
    if profile:
        record["InstanceProfileList"] = [
            {
                "InstanceProfileName": name,
                "Arn": f"arn:aws:iam::{account}:instance-profile/{name}",
                "Roles": [{"RoleName": name, "Arn": role_arn}],
            }
        ]
    if boundary:
        record["PermissionsBoundary"] = {"PermissionsBoundaryArn": boundary}
    return record


def group(
    name: str, *statements: dict[str, Any], managed: tuple[str, ...] = ()
) -> dict[str, Any]:
    return {
        "GroupName": name,
        "Arn": arn("group", name),
        "GroupPolicyList": inline(*statements),
        "AttachedManagedPolicies": [
            {"PolicyName": m.rsplit("/", 1)[-1], "PolicyArn": m} for m in managed
        ],
    }


def managed_policy(
    name: str, *versions: dict[str, Any], default: int = 0
) -> dict[str, Any]:
    """A customer-managed policy; ``versions`` are documents, v1 first."""
    return {
        "PolicyName": name,
        "Arn": arn("policy", name),
        "DefaultVersionId": f"v{default + 1}",
        "PolicyVersionList": [
            {"Document": v, "VersionId": f"v{i + 1}", "IsDefaultVersion": i == default}
            for i, v in enumerate(versions)
        ],
    }


def admin_role(name: str = "target", **kwargs: Any) -> dict[str, Any]:
    return role(name, allow("*"), **kwargs)


def build(
    *records: dict[str, Any],
    policies: tuple[dict[str, Any], ...] = (),
    extra: tuple[tuple[str, Any], ...] = (),
) -> TrustGraph:
    """Build a graph from records sorted into an authz export, plus other documents."""
    authz: dict[str, Any] = {
        "UserDetailList": [r for r in records if "UserName" in r],
        "GroupDetailList": [r for r in records if "GroupName" in r],
        "RoleDetailList": [r for r in records if "RoleName" in r],
        "Policies": list(policies),
    }
    documents = [LoadedDocument("aws.authz", "authz.json", authz)]
    documents.extend(LoadedDocument(kind, f"{kind}.json", data) for kind, data in extra)
    return build_graph(Inventory(documents=documents))


def scp_file(
    *entries: tuple[str, dict[str, Any], list[str]], rcp: bool = False
) -> dict[str, Any]:
    """Organisation policies: (name, document, target ids)."""
    kind = "RESOURCE_CONTROL_POLICY" if rcp else "SERVICE_CONTROL_POLICY"
    return {
        "Policies": [
            {
                "PolicySummary": {"Id": f"p-{name}", "Name": name, "Type": kind},
                "Content": content,
                "Targets": [
                    {"TargetId": t, "Type": "ROOT" if t.startswith("r-") else "ACCOUNT"}
                    for t in targets
                ],
            }
            for name, content, targets in entries
        ]
    }


FULL_ACCESS = document(allow("*"))
