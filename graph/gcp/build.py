"""Graph stage, GCP: build containers, identities and trust edges of the estate."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from graph.gcp.conditions import parse_time
from graph.gcp.estate import Container, Estate, read_estate
from graph.gcp.federation import build_federation, link_google_oidc
from graph.gcp.grants import UNKNOWN_SCOPE, Grant, read_grants
from graph.gcp.members import service_account_principal
from graph.gcp.roles import RoleTable, bundled_roles
from graph.gcp.techniques import TECHNIQUES, Context
from graph.load import Inventory
from graph.model import (
    Cloud,
    Evidence,
    Mechanism,
    NodeKind,
    Principal,
    TrustEdge,
    Verdict,
)
from graph.trustgraph import TrustGraph

logger = logging.getLogger(__name__)

_NO_EXPIRY = "9999-12-31"


def build_gcp(inventory: Inventory, graph: TrustGraph) -> None:
    """Add the GCP part of the trust graph (no-op without GCP documents).

    Runs after the AWS builder, so that service accounts can be linked to
    the ``oidc:accounts.google.com:<sub>`` subjects AWS trusts name.

    Parameters
    ----------
    inventory
        Loaded documents; only the ``gcp.*`` kinds are read.
    graph
        The graph to extend with containers, identities, edges, admin
        marks, policy notes, blocked edges and coverage gaps.

    Examples
    --------
    >>> from graph.build import build_graph
    >>> from graph.load import load_inputs
    >>> graph = build_graph(load_inputs(["sample_data/gcp"]))
    >>> graph.is_admin("serviceAccount:prod-runner@apps-prod.iam.gserviceaccount.com")
    True
    """
    if not any(kind.startswith("gcp.") for kind in inventory.kinds()):
        return
    estate = read_estate(inventory)
    roles = bundled_roles().with_custom(estate.custom_roles)
    _add_containers(estate, graph)
    _add_service_accounts(estate, graph)
    grants = read_grants(estate, roles, graph)
    _mark_admins(graph, grants, roles)
    context = Context.of(estate, roles, graph, grants)
    for technique in TECHNIQUES:
        technique(context)
    _add_memberships(estate, graph)
    build_federation(estate, graph, grants)
    link_google_oidc(estate, graph)
    for gap in estate.coverage:
        graph.add_gap(gap)
    graph.metadata["gcp_roles_as_of"] = roles.as_of
    logger.info(
        "GCP: %d containers, %d service accounts, %d grants",
        len(estate.containers),
        len(estate.service_accounts),
        len(grants),
    )


def _add_containers(estate: Estate, graph: TrustGraph) -> None:
    for container in estate.containers.values():
        graph.add_principal(_container_node(container))
    for policy in estate.policies:
        scope = estate.scope_id(policy.resource)
        if scope in estate.containers:
            graph.loaded_containers.add(scope)


def _container_node(container: Container) -> Principal:
    attributes: dict[str, Any] = {"parent": container.parent_id}
    if container.number:
        attributes["project_number"] = container.number
    return Principal(
        container.node_id,
        container.kind,
        cloud=Cloud.GCP,
        name=container.name or container.node_id,
        container_id=container.parent_id,
        attributes=attributes,
    )


def _add_service_accounts(estate: Estate, graph: TrustGraph) -> None:
    now = datetime.now(UTC)
    for account in estate.service_accounts.values():
        node = service_account_principal(account.email, estate)
        keys = [_key_record(k, now) for k in account.keys]
        keys = [k for k in keys if k is not None]
        attributes = {**node.attributes, "access_keys": keys}
        graph.add_principal(
            Principal(
                node.node_id,
                node.kind,
                cloud=node.cloud,
                name=node.name,
                container_id=node.container_id,
                attributes=attributes,
            )
        )


def _key_record(key: dict[str, Any], now: datetime) -> dict[str, str] | None:
    """A user-managed key as ``access_keys`` entry; Google-managed keys are none."""
    if key.get("keyType") != "USER_MANAGED":
        return None
    expires = str(key.get("validBeforeTime", ""))
    ends = parse_time(expires)
    expired = ends is not None and ends <= now
    active = not key.get("disabled") and not expired
    return {
        "id": str(key.get("name", "")).rsplit("/", 1)[-1],
        "status": "Active" if active else "Inactive",
        "created": str(key.get("validAfterTime", "")),
        "last_used": "",
        "expires": "" if expires.startswith(_NO_EXPIRY) else expires,
    }


def _mark_admins(graph: TrustGraph, grants: list[Grant], roles: RoleTable) -> None:
    for grant in grants:
        if grant.role not in roles.admin_roles or grant.scope.startswith(
            "serviceAccount:"
        ):
            continue
        where = grant.scope
        if where.startswith(UNKNOWN_SCOPE):
            where = f"an unknown resource ({where.removeprefix(UNKNOWN_SCOPE)})"
        reason = f"{grant.role} on {where}"
        if grant.condition is not None and grant.condition.verdict is Verdict.DEPENDS:
            reason += f" while {grant.condition.note}"
        graph.mark_admin(grant.member, reason)


def _add_memberships(estate: Estate, graph: TrustGraph) -> None:
    for member, group, document in estate.memberships:
        if group not in graph:
            continue
        if member not in graph:
            kind, _, value = member.partition(":")
            graph.add_principal(
                service_account_principal(value, estate)
                if kind == "serviceAccount"
                else _plain(member, value)
            )
        evidence = Evidence(document, group, member)
        graph.add_edge(
            TrustEdge(member, group, Mechanism.MEMBER_OF, evidence=(evidence,))
        )


def _plain(member: str, value: str) -> Principal:
    kind = NodeKind.GROUP if member.startswith("group:") else NodeKind.USER
    return Principal(member, kind, cloud=Cloud.GCP, name=value)
