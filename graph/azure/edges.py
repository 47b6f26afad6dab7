"""Graph stage, Azure: one edge builder per mechanism, run in table order."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from graph.azure.assignments import Grant
from graph.azure.context import AzureContext, acting_principal, add_edge
from graph.azure.directory import ComputeResource, is_vm
from graph.azure.entra import edges_from_directory_roles
from graph.azure.external import (
    edges_from_federation,
    edges_from_foreign_tenants,
    edges_from_lighthouse,
    edges_into_other_clouds,
)
from graph.azure.roles import (
    COMPUTE_WRITES,
    IDENTITY_ASSIGN,
    IDENTITY_CREDENTIAL_WRITE,
    ROLE_ASSIGNMENT_WRITE,
    VM_RUN_COMMAND,
)
from graph.azure.scopes import ROOT_SCOPE, kind_of_scope, scope_key
from graph.model import (
    Evidence,
    Mechanism,
    NodeKind,
    PolicyNote,
    Severity,
    TrustEdge,
)
from graph.trustgraph import TrustGraph

logger = logging.getLogger(__name__)

EdgeBuilder = Callable[[AzureContext, TrustGraph], None]

# Resources whose writers can deploy code that runs as the resource's identities.
_CODE_HOST_WRITES = frozenset(a.lower() for a in COMPUTE_WRITES)
_ADMIN_SCOPES = {NodeKind.MANAGEMENT_GROUP, NodeKind.SUBSCRIPTION}
# Dynamic-membership clauses (spaces and brackets removed) that admit every
# user, every member or every guest of the tenant.
_EVERYONE_CLAUSES = {
    "user.objectid-nenull": "all users",
    'user.objectid-ne""': "all users",
    "user.userprincipalname-nenull": "all users",
    "user.accountenabled-eqtrue": "all users",
    'user.usertype-eq"member"': "all members",
    'user.usertype-ne"guest"': "all members",
    'user.usertype-eq"guest"': "all guests",
    'user.usertype-ne"member"': "all guests",
}


def _container_targets(context: AzureContext, grant: Grant) -> list[tuple[str, str]]:
    """(target node, inherited_from scope or "") for a grant's scope and below."""
    key = scope_key(grant.scope)
    if key != ROOT_SCOPE and kind_of_scope(grant.scope) is None:
        return []
    tree = context.tree
    own = [(tree.node_id(grant.scope), "")]
    below = [(scope, tree.node_id(grant.scope)) for scope in tree.descendants(key)]
    return own + below


def edges_from_membership(context: AzureContext, graph: TrustGraph) -> None:
    """Members obtain their groups' power."""
    for (member, group), evidence in sorted(context.directory.memberships.items()):
        add_edge(
            context, graph, member, group, Mechanism.MEMBER_OF, evidence=[evidence]
        )


def edges_from_role_assignments(context: AzureContext, graph: TrustGraph) -> None:
    """Holder → scope, and → every known scope below it (inherited)."""
    for grant in context.assignments.grants:
        for target, inherited in _container_targets(context, grant):
            detail = f"role {grant.role_name}" + (
                f", inherited_from {inherited}" if inherited else f" at {target}"
            )
            evidence = Evidence(
                grant.evidence.document, grant.evidence.statement, detail
            )
            add_edge(
                context,
                graph,
                grant.holder,
                target,
                Mechanism.ROLE_ASSIGNMENT,
                conditions=grant.conditions,
                evidence=[evidence],
            )
        _note_broad_holder(context, graph, grant)


def notes_from_dangling(context: AzureContext, graph: TrustGraph) -> None:
    """Assignments that name a deleted principal grant nothing, but stay stale."""
    for grant in context.assignments.dangling:
        scope = context.tree.node_id(grant.scope)
        graph.add_note(
            PolicyNote(
                rule="trust.dangling-principal",
                subject=scope if scope in graph else grant.holder,
                evidence=grant.evidence,
                message=(
                    f"{grant.role_name} at {grant.scope} is assigned to deleted "
                    f"principal {grant.holder}"
                ),
                severity=Severity.LOW,
            )
        )


def _note_broad_holder(context: AzureContext, graph: TrustGraph, grant: Grant) -> None:
    """A privileged role given to a dynamic group that admits everyone."""
    record = context.directory.records.get(grant.holder)
    if record is None or grant.role is None or not grant.role.privileged:
        return
    rule_text = str(record.attributes.get("membershipRule") or "")
    audience = _everyone_audience(rule_text)
    if not audience:
        return
    subject = context.tree.node_id(grant.scope)
    graph.add_note(
        PolicyNote(
            rule="trust.broad-principal",
            subject=subject if subject in graph else grant.holder,
            evidence=grant.evidence,
            message=(
                f"{grant.role_name} at {grant.scope} is assigned to group "
                f"{record.name or record.node_id}, whose dynamic rule admits {audience}"
            ),
            severity=Severity.HIGH,
        )
    )


def _everyone_audience(rule_text: str) -> str:
    """``all users`` / ``all guests`` when a dynamic rule admits them, else ``""``."""
    for alternative in re.split(r"\s-or\s", rule_text, flags=re.IGNORECASE):
        clause = re.sub(r"[\s()]", "", alternative).lower()
        if clause in _EVERYONE_CLAUSES:
            return _EVERYONE_CLAUSES[clause]
    return ""


def mark_admins(context: AzureContext, graph: TrustGraph) -> None:
    """Who can write role assignments at a group, subscription or the root is admin."""
    for grant in context.assignments.grants:
        scope_kind = kind_of_scope(grant.scope)
        at_root = scope_key(grant.scope) == ROOT_SCOPE
        if not (at_root or scope_kind in _ADMIN_SCOPES):
            continue
        if not grant.allows(ROLE_ASSIGNMENT_WRITE):
            continue
        if any(c.operator == "abac" for c in grant.conditions):
            continue
        eligible = " (PIM-eligible)" if grant.eligible else ""
        reason = f"{grant.role_name} at {grant.scope}{eligible}"
        holders = [(grant.holder, reason)]
        holders += [
            (member, f"member of {grant.holder}: {reason}")
            for member in sorted(context.members.get(grant.holder, ()))
        ]
        for principal, why in holders:
            denied = context.authority.denial(
                principal, ROLE_ASSIGNMENT_WRITE, grant.scope
            )
            if principal in graph and denied is None:
                graph.mark_admin(principal, why)


def edges_from_role_assignment_write(context: AzureContext, graph: TrustGraph) -> None:
    """Holders that can grant themselves any role at a scope and below."""
    for grant in context.assignments.grants:
        if not grant.allows(ROLE_ASSIGNMENT_WRITE) or grant.holder not in graph:
            continue
        detail = f"{grant.role_name} can write role assignments at {grant.scope}"
        evidence = Evidence(grant.evidence.document, grant.evidence.statement, detail)
        for target, _ in _container_targets(context, grant):
            edge = TrustEdge(
                grant.holder,
                target,
                Mechanism.ROLE_ASSIGNMENT_WRITE,
                conditions=grant.conditions,
                evidence=(evidence,),
            )
            _add_unless_denied(context, graph, edge, ROLE_ASSIGNMENT_WRITE, target)


def _compute_grants(context: AzureContext) -> dict[str, Grant]:
    """Per holder, one grant that lets it write some compute resource."""
    found: dict[str, Grant] = {}
    for grant in context.assignments.grants:
        if grant.holder not in found and any(grant.allows(a) for a in COMPUTE_WRITES):
            found[grant.holder] = grant
    return found


def _compute_grant(
    context: AzureContext,
    compute: dict[str, Grant],
    holder: str,
) -> Grant | None:
    """The holder's own compute grant, else one held through its groups."""
    for candidate in (holder, *sorted(context.groups.get(holder, ()))):
        if candidate in compute:
            return compute[candidate]
    return None


def _grant_edge(
    context: AzureContext,
    graph: TrustGraph,
    grant: Grant,
    target: str,
    mechanism: Mechanism,
    *,
    action: str,
    resource: str,
    extra: Grant | None = None,
) -> None:
    """An edge from a grant's holder (with a second grant it also needs)."""
    grants = [grant] if extra is None or extra == grant else [grant, extra]
    edge = TrustEdge(
        grant.holder,
        target,
        mechanism,
        conditions=tuple(dict.fromkeys(c for g in grants for c in g.conditions)),
        evidence=tuple(g.evidence for g in grants),
    )
    _add_unless_denied(context, graph, edge, action, resource)


def _add_unless_denied(
    context: AzureContext,
    graph: TrustGraph,
    edge: TrustEdge,
    action: str,
    resource: str,
) -> None:
    """Add the edge, or remember it as blocked by the deny assignment refusing it."""
    # TODO: a deny naming only a member of the holding group is not applied
    # to the group's edge — the member keeps its route through the group.
    denied = context.authority.denial(edge.source, action, resource)
    if denied is None:
        add_edge(
            context,
            graph,
            edge.source,
            edge.target,
            edge.mechanism,
            conditions=edge.conditions,
            evidence=edge.evidence,
        )
    elif edge.source in graph and edge.target in graph:
        graph.block(edge, denied.evidence)


def edges_from_identity_use(context: AzureContext, graph: TrustGraph) -> None:
    """Attach a user-assigned identity to your compute, or add it a credential."""
    writers = _compute_grants(context)
    for record in sorted(context.directory.records.values(), key=lambda r: r.node_id):
        resource = str(record.attributes.get("resource_id") or "")
        if record.kind is not NodeKind.MANAGED_IDENTITY or not resource:
            continue
        if record.attributes.get("identity_type") == "system_assigned":
            continue
        for grant in context.authority.grants_at(resource, IDENTITY_ASSIGN):
            compute = _compute_grant(context, writers, grant.holder)
            if compute is None:
                continue
            _grant_edge(
                context,
                graph,
                grant,
                record.node_id,
                Mechanism.IMPERSONATE,
                action=IDENTITY_ASSIGN,
                resource=resource,
                extra=compute,
            )
        for grant in context.authority.grants_at(resource, IDENTITY_CREDENTIAL_WRITE):
            _grant_edge(
                context,
                graph,
                grant,
                record.node_id,
                Mechanism.ADD_APP_SECRET,
                action=IDENTITY_CREDENTIAL_WRITE,
                resource=resource,
            )


def edges_from_compute(context: AzureContext, graph: TrustGraph) -> None:
    """Run commands on VMs or deploy code to app hosts, acting as their identities."""
    for resource in context.directory.resources:
        action, mechanism = _compute_control(resource)
        if not action:
            continue
        for grant in context.authority.grants_at(resource.resource_id, action):
            for identity in resource.identity_ids:
                _grant_edge(
                    context,
                    graph,
                    grant,
                    identity,
                    mechanism,
                    action=action,
                    resource=resource.resource_id,
                )


def _compute_control(resource: ComputeResource) -> tuple[str, Mechanism]:
    """The action that runs code as the resource's identities, and its mechanism."""
    if is_vm(resource):
        return VM_RUN_COMMAND, Mechanism.RUN_COMMAND
    action = f"{resource.resource_type}/write"
    if action in _CODE_HOST_WRITES:
        return action, Mechanism.IMPERSONATE
    return "", Mechanism.IMPERSONATE


def edges_from_ownership(context: AzureContext, graph: TrustGraph) -> None:
    """Owners of an app or service principal can add it a secret."""
    for ownership in context.directory.owners:
        target = acting_principal(context, ownership.target_id)
        add_edge(
            context,
            graph,
            ownership.owner_id,
            target,
            Mechanism.ADD_APP_SECRET,
            evidence=[ownership.evidence],
        )


EDGE_BUILDERS: tuple[EdgeBuilder, ...] = (
    notes_from_dangling,
    edges_from_membership,
    edges_from_role_assignments,
    mark_admins,
    edges_from_directory_roles,
    edges_from_role_assignment_write,
    edges_from_identity_use,
    edges_from_compute,
    edges_from_ownership,
    edges_from_federation,
    edges_from_foreign_tenants,
    edges_from_lighthouse,
    edges_into_other_clouds,
)
