"""Graph stage, Azure: directory roles that make tenant admins or secret writers."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graph.azure.context import AzureContext, add_edge
from graph.azure.recognize import directory_type, items_of
from graph.load import Inventory
from graph.model import (
    Condition,
    Evidence,
    Mechanism,
    NodeKind,
    Verdict,
)
from graph.trustgraph import TrustGraph

logger = logging.getLogger(__name__)

_HOLDER_KINDS = {
    "user": NodeKind.USER,
    "group": NodeKind.GROUP,
    "serviceprincipal": NodeKind.SERVICE_PRINCIPAL,
}

# Roles that hold the tenant, or can give themselves (or reset) those that do.
TENANT_ADMIN_ROLES = {
    "62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
    "e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
    "7be44c8a-adaf-4e2a-84d6-ab2649e08a13": "Privileged Authentication Administrator",
}
# Roles that can add credentials to any application and service principal.
APP_CREDENTIAL_ROLES = {
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
    "158c047a-c907-4556-b7ef-446551a6b5f7": "Cloud Application Administrator",
}


@dataclass(frozen=True, slots=True)
class DirectoryRoleGrant:
    """A directory role held by a principal, tenant-wide or on one object."""

    holder: str
    template_id: str
    role_name: str
    directory_scope: str
    evidence: Evidence
    eligible: bool = False
    holder_kind: NodeKind = NodeKind.USER


def read_directory_roles(inventory: Inventory) -> list[DirectoryRoleGrant]:
    """Members of ``directoryRoles`` and unified role assignments or eligibilities."""
    found = []
    for document in inventory.of_kind("azure.directory_roles"):
        for item in items_of(document.data) or []:
            found.extend(_role_members(item, document.path))
    for document in inventory.of_kind("azure.directory_role_assignments"):
        context = ""
        if isinstance(document.data, dict):
            context = str(document.data.get("@odata.context", ""))
        eligible = "eligibility" in context.lower()
        for item in items_of(document.data) or []:
            found.append(_unified(item, document.path, eligible))
    return found


def _role_members(item: Mapping[str, Any], path: str) -> list[DirectoryRoleGrant]:
    """Members of one activated directory role."""
    template = str(item.get("roleTemplateId") or "").lower()
    name = str(item.get("displayName") or _role_name(template))
    grants = []
    for member in item.get("members") or []:
        if isinstance(member, dict) and member.get("id"):
            evidence = Evidence(path, str(item.get("id") or template), f"{name} member")
            grants.append(
                DirectoryRoleGrant(
                    str(member["id"]).lower(),
                    template,
                    name,
                    "/",
                    evidence,
                    holder_kind=_kind(member),
                )
            )
    return grants


def _unified(item: Mapping[str, Any], path: str, eligible: bool) -> DirectoryRoleGrant:
    """One unified role assignment or eligibility."""
    template = str(item.get("roleDefinitionId") or "").lower()
    definition = item.get("roleDefinition")
    name = ""
    if isinstance(definition, dict):
        name = str(definition.get("displayName") or "")
    name = name or _role_name(template)
    statement = str(item.get("id") or template)
    scope = str(item.get("directoryScopeId") or "/")
    detail = f"{name} at directory scope {scope}" + (" (eligible)" if eligible else "")
    principal = item.get("principal")
    return DirectoryRoleGrant(
        str(item.get("principalId") or "").lower(),
        template,
        name,
        scope,
        Evidence(path, statement, detail),
        eligible,
        holder_kind=_kind(principal) if isinstance(principal, dict) else NodeKind.USER,
    )


def _kind(item: Mapping[str, Any]) -> NodeKind:
    return _HOLDER_KINDS.get(directory_type(item), NodeKind.USER)


def _role_name(template: str) -> str:
    return TENANT_ADMIN_ROLES.get(template) or APP_CREDENTIAL_ROLES.get(
        template, template
    )


def _conditions(grant: DirectoryRoleGrant) -> tuple[Condition, ...]:
    if not grant.eligible:
        return ()
    note = "PIM-eligible: the holder must activate the role first"
    return (Condition("pim", "activation", ("eligible",), Verdict.DEPENDS, note),)


def edges_from_directory_roles(context: AzureContext, graph: TrustGraph) -> None:
    """Tenant-admin roles mark admin; app-credential roles reach every app identity."""
    grants = context.directory_roles
    tenant = context.tree.root_node_id()
    for grant in grants:
        if grant.holder not in graph:
            logger.debug("directory role holder %s is not in the graph", grant.holder)
            continue
        if grant.template_id in TENANT_ADMIN_ROLES and grant.directory_scope == "/":
            _tenant_admin(context, graph, grant, tenant)
        if grant.template_id in APP_CREDENTIAL_ROLES:
            for target in _credential_targets(context, graph, grant):
                _add(context, graph, grant, target, Mechanism.ADD_APP_SECRET)


def _tenant_admin(
    context: AzureContext,
    graph: TrustGraph,
    grant: DirectoryRoleGrant,
    tenant: str,
) -> None:
    """Mark holders (and members of holding groups) admin of the tenant."""
    reason = f"{grant.role_name} of the tenant" + (
        " (PIM-eligible)" if grant.eligible else ""
    )
    for principal in (grant.holder, *sorted(context.members.get(grant.holder, ()))):
        if principal in graph:
            graph.mark_admin(principal, reason)
    _add(context, graph, grant, tenant, Mechanism.ROLE_ASSIGNMENT)


def _credential_targets(
    context: AzureContext,
    graph: TrustGraph,
    grant: DirectoryRoleGrant,
) -> list[str]:
    """Service principals (app-backed ones), or the one object the role is scoped to."""
    scoped = grant.directory_scope.strip("/").lower()
    records = context.directory.records
    if scoped:
        found = records.get(scoped)
        if found is None:
            return []
        app_id = str(found.attributes.get("appId") or "")
        return [context.directory.service_principal_of_app(app_id, scoped)]
    return sorted(
        r.node_id
        for r in records.values()
        if r.kind is NodeKind.SERVICE_PRINCIPAL and r.node_id in graph
    )


def _add(
    context: AzureContext,
    graph: TrustGraph,
    grant: DirectoryRoleGrant,
    target: str,
    mechanism: Mechanism,
) -> None:
    add_edge(
        context,
        graph,
        grant.holder,
        target,
        mechanism,
        conditions=_conditions(grant),
        evidence=[grant.evidence],
    )
