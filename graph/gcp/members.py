"""Graph stage, GCP: turn IAM member strings into principals of the graph."""

from __future__ import annotations

import re
from dataclasses import dataclass

from graph.gcp.estate import Estate
from graph.model import Cloud, NodeKind, Principal

PUBLIC_MEMBERS = frozenset({"allUsers", "allAuthenticatedUsers"})
WIF_PREFIXES = ("principal://", "principalSet://")

_USER_MANAGED = re.compile(r"^[^@]+@([a-z][a-z0-9-]+)\.iam\.gserviceaccount\.com$")
_APPSPOT = re.compile(r"^([a-z][a-z0-9-]+)@appspot\.gserviceaccount\.com$")
_NUMBERED = re.compile(
    r"^(?:service-)?(\d+)(?:-compute)?@"
    r"([a-z0-9.-]+\.)?(?:gserviceaccount\.com|developer\.gserviceaccount\.com)$"
)
_AGENT = re.compile(r"^service-(?:org-)?\d+@|@(?:gcp-sa-|cloudservices\.)")


@dataclass(frozen=True, slots=True)
class Member:
    """A parsed binding member: the node it names, or why it names none."""

    principal: Principal | None
    deleted: bool = False
    unsupported: bool = False


def parse_member(member: str, estate: Estate) -> Member:
    """Parse one member string of a binding."""
    if member in PUBLIC_MEMBERS:
        return Member(_public(member))
    if member.startswith("deleted:"):
        return Member(None, deleted=True)
    if member.startswith(WIF_PREFIXES):
        return Member(_workload_principal(member))
    kind, _, value = member.partition(":")
    if not value:
        return Member(None, unsupported=True)
    if kind == "serviceAccount":
        return Member(service_account_principal(value, estate))
    simple = {"user": NodeKind.USER, "group": NodeKind.GROUP, "domain": NodeKind.DOMAIN}
    if kind in simple:
        return Member(Principal(member, simple[kind], cloud=Cloud.GCP, name=value))
    return Member(None, unsupported=True)


def _public(member: str) -> Principal:
    return Principal(
        member,
        NodeKind.PUBLIC,
        cloud=Cloud.GCP,
        name=member,
        external=True,
    )


def _workload_principal(member: str) -> Principal:
    whole_pool = member.startswith("principalSet://") and member.endswith("/*")
    return Principal(
        member,
        NodeKind.WORKLOAD_POOL if whole_pool else NodeKind.FEDERATED_SUBJECT,
        cloud=Cloud.EXTERNAL,
        name=member.rsplit("workloadIdentityPools/", 1)[-1],
        external=True,
        attributes={"pool": pool_of(member)},
    )


def pool_of(member: str) -> str:
    """``principalSet://iam.googleapis.com/<pool>/...`` -> the pool's resource name."""
    body = member.split("://", 1)[-1].removeprefix("iam.googleapis.com/")
    head, marker, rest = body.partition("/workloadIdentityPools/")
    if not marker:
        return ""
    return f"{head}{marker}{rest.split('/')[0]}"


def service_account_principal(email: str, estate: Estate) -> Principal:
    """A service account node, with its project and unique id where known."""
    account = estate.service_accounts.get(email)
    project = estate.project_id(account.project) if account and account.project else ""
    project = project or project_of_email(email, estate)
    agent = bool(_AGENT.search(email)) or email.endswith(
        "@cloudbuild.gserviceaccount.com"
    )
    attributes: dict[str, object] = {}
    if account is not None:
        attributes = {
            "unique_id": account.unique_id,
            "disabled": account.disabled,
            "display_name": account.display_name,
        }
    return Principal(
        f"serviceAccount:{email}",
        NodeKind.SERVICE_AGENT if agent else NodeKind.SERVICE_ACCOUNT,
        cloud=Cloud.GCP,
        name=email,
        container_id=project,
        external=not agent and _outside(project, estate),
        attributes=attributes,
    )


def _outside(project: str, estate: Estate) -> bool:
    """A project the organisation's hierarchy export does not list is foreign."""
    if not project or project in estate.containers:
        return False
    return any(
        c.kind is NodeKind.GCP_ORGANIZATION and c.name
        for c in estate.containers.values()
    )


def project_of_email(email: str, estate: Estate) -> str:
    """The project a service-account e-mail names, by id or by number."""
    for pattern in (_USER_MANAGED, _APPSPOT):
        match = pattern.match(email)
        if match and not email.startswith("service-"):
            return estate.project_id(match.group(1))
    match = _NUMBERED.match(email)
    return estate.project_id(match.group(1)) if match else ""
