"""Graph stage, Azure: one edge builder per mechanism, run in table order."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable

from graph.azure.assignments import Grant
from graph.azure.context import AzureContext
from graph.azure.directory import is_vm
from graph.azure.entra import edges_from_directory_roles
from graph.azure.federation import Reach, subject_node_id, subject_reach
from graph.azure.roles import (
    COMPUTE_WRITES,
    IDENTITY_ASSIGN,
    IDENTITY_CREDENTIAL_WRITE,
    ROLE_ASSIGNMENT_WRITE,
    VM_RUN_COMMAND,
)
from graph.azure.scopes import ROOT_SCOPE, kind_of_scope, scope_key, tenant_node_id
from graph.model import (
    Cloud,
    Condition,
    Evidence,
    Mechanism,
    NodeKind,
    PolicyNote,
    Principal,
    Severity,
    TrustEdge,
    Verdict,
)
from graph.trustgraph import TrustGraph

logger = logging.getLogger(__name__)

EdgeBuilder = Callable[[AzureContext, TrustGraph], None]

# The AWS builder's words for how far a subject pattern reaches.
_SCOPE_WORDS = {
    Reach.PINNED: "pinned",
    Reach.BROAD: "broad",
    Reach.UNPINNED_CONTEXT: "any",
    Reach.ANY: "any",
}
_ADMIN_SCOPES = {NodeKind.MANAGEMENT_GROUP, NodeKind.SUBSCRIPTION}
# Tenants of Microsoft's own first-party applications, present in every tenant.
_MICROSOFT_TENANTS = frozenset(
    {
        "f8cdef31-a31e-4b4a-93e4-5f571e91255a",
        "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "33e01921-4d64-4f8c-a055-5bdaffd5e33d",
    }
)
# Dynamic-membership clauses that admit every user, every member or every guest.
_EVERYONE_CLAUSE = re.compile(
    r"^user\.(objectid|accountenabled|usertype|userprincipalname|mail)"
    r'-(ne|eq)(null|true|"guest"|"member"|"")$'
)


def _crosses(
    context: AzureContext, graph: TrustGraph, source: str, target: str
) -> bool:
    """Different subscriptions (for subscription-homed sources) or tenants."""
    if graph.principal(source).external != graph.principal(target).external:
        return True
    home = context.boundary.get(source, "tenant")
    return home != "tenant" and home != context.boundary.get(target, "tenant")


def _edge(
    context: AzureContext,
    graph: TrustGraph,
    source: str,
    target: str,
    mechanism: Mechanism,
    *,
    conditions: Iterable[Condition] = (),
    evidence: Iterable[Evidence] = (),
) -> TrustEdge | None:
    if source == target or source not in graph or target not in graph:
        return None
    edge = TrustEdge(
        source,
        target,
        mechanism,
        conditions=tuple(dict.fromkeys(conditions)),
        evidence=tuple(evidence),
        cross_boundary=_crosses(context, graph, source, target),
    )
    return graph.add_edge(edge)


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
    for (member, group), evidence in sorted(context.directory.memberships.items()):
        _edge(context, graph, member, group, Mechanism.MEMBER_OF, evidence=[evidence])


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
            _edge(
                context,
                graph,
                grant.holder,
                target,
                Mechanism.ROLE_ASSIGNMENT,
                conditions=grant.conditions,
                evidence=[evidence],
            )
        _note_broad_holder(context, graph, grant)


def _note_broad_holder(context: AzureContext, graph: TrustGraph, grant: Grant) -> None:
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
        if _EVERYONE_CLAUSE.match(clause):
            return (
                "all guests" if '"guest"' in clause and "-eq" in clause else "all users"
            )
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
            denied = context.authority.denial(
                grant.holder, ROLE_ASSIGNMENT_WRITE, target
            )
            if denied is not None and target in graph:
                graph.block(
                    TrustEdge(
                        grant.holder,
                        target,
                        Mechanism.ROLE_ASSIGNMENT_WRITE,
                        conditions=grant.conditions,
                        evidence=(evidence,),
                    ),
                    denied.evidence,
                )
                continue
            _edge(
                context,
                graph,
                grant.holder,
                target,
                Mechanism.ROLE_ASSIGNMENT_WRITE,
                conditions=grant.conditions,
                evidence=[evidence],
            )


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
    """An edge from a grant's holder, or a blocked edge when a deny refuses it."""
    grants = [grant] if extra is None or extra == grant else [grant, extra]
    conditions = [c for g in grants for c in g.conditions]
    evidence = [g.evidence for g in grants]
    denied = context.authority.denial(grant.holder, action, resource)
    if denied is not None and grant.holder in graph and target in graph:
        blocked = TrustEdge(
            grant.holder,
            target,
            mechanism,
            conditions=tuple(conditions),
            evidence=tuple(evidence),
        )
        graph.block(blocked, denied.evidence)
        return
    _edge(
        context,
        graph,
        grant.holder,
        target,
        mechanism,
        conditions=conditions,
        evidence=evidence,
    )


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


def edges_from_run_command(context: AzureContext, graph: TrustGraph) -> None:
    """Run commands on a VM, and so act as every identity the VM carries."""
    for resource in context.directory.resources:
        if not is_vm(resource):
            continue
        grants = context.authority.grants_at(resource.resource_id, VM_RUN_COMMAND)
        for grant in grants:
            for identity in resource.identity_ids:
                _grant_edge(
                    context,
                    graph,
                    grant,
                    identity,
                    Mechanism.RUN_COMMAND,
                    action=VM_RUN_COMMAND,
                    resource=resource.resource_id,
                )


def edges_from_ownership(context: AzureContext, graph: TrustGraph) -> None:
    """Owners of an app or service principal can add it a secret."""
    for ownership in context.directory.owners:
        target = _acting_principal(context, ownership.target_id)
        _edge(
            context,
            graph,
            ownership.owner_id,
            target,
            Mechanism.ADD_APP_SECRET,
            evidence=[ownership.evidence],
        )


def _acting_principal(context: AzureContext, node_id: str) -> str:
    """An app registration acts through its service principal when one is known."""
    record = context.directory.records.get(node_id)
    if record is None or record.kind is not NodeKind.APP_REGISTRATION:
        return node_id
    app_id = str(record.attributes.get("appId") or "")
    return context.directory.service_principal_of_app(app_id, node_id)


def edges_from_federation(context: AzureContext, graph: TrustGraph) -> None:
    """External token subjects → the identity or service principal that trusts them."""
    for credential, evidence in context.directory.credentials:
        target = _acting_principal(context, credential.parent)
        if target not in graph:
            continue
        conditions = []
        if not credential.parsed:
            conditions.append(
                Condition(
                    operator="claimsMatchingExpression",
                    key="claims",
                    values=(credential.expression,),
                    verdict=Verdict.DEPENDS,
                    note="expression only partly understood",
                )
            )
        for subject in credential.subjects or ("*",):
            source = subject_node_id(credential.issuer, subject)
            graph.add_principal(
                Principal(
                    source,
                    NodeKind.FEDERATED_SUBJECT,
                    cloud=Cloud.EXTERNAL,
                    name=subject,
                    external=True,
                    attributes={
                        "issuer": credential.issuer,
                        "pattern": subject,
                        "subject_scope": _SCOPE_WORDS[
                            subject_reach(credential.issuer, subject)
                        ],
                    },
                )
            )
            detail = (
                f"federated credential {credential.name}: issuer {credential.issuer}, "
                f"subject {subject}, audiences {', '.join(credential.audiences)}"
            )
            proof = Evidence(evidence.document, evidence.statement, detail)
            _edge(
                context,
                graph,
                source,
                target,
                Mechanism.FEDERATE,
                conditions=conditions,
                evidence=[proof],
            )
            _note_subject(graph, target, credential.issuer, subject, proof)


def _note_subject(
    graph: TrustGraph,
    target: str,
    issuer: str,
    subject: str,
    evidence: Evidence,
) -> None:
    reach = subject_reach(issuer, subject)
    if reach is Reach.PINNED:
        return
    rule, severity, what = {
        Reach.ANY: (
            "trust.oidc-unrestricted-subject",
            Severity.CRITICAL,
            "pins no single workload: any repository or workload of the issuer "
            "that fits the pattern matches",
        ),
        Reach.UNPINNED_CONTEXT: (
            "trust.oidc-unrestricted-subject",
            Severity.HIGH,
            "pins the repository only: every branch, tag and pull request matches",
        ),
        Reach.BROAD: (
            "trust.oidc-broad-subject",
            Severity.MEDIUM,
            "pins the workload but is wildcarded over branches, pull requests "
            "or environments",
        ),
    }[reach]
    if graph.is_admin(target) and severity is not Severity.CRITICAL:
        severity = Severity.CRITICAL if severity is Severity.HIGH else Severity.HIGH
    graph.add_note(
        PolicyNote(
            rule=rule,
            subject=target,
            evidence=evidence,
            message=f"federated credential subject {subject!r} {what}",
            severity=severity,
        )
    )


def edges_from_foreign_tenants(context: AzureContext, graph: TrustGraph) -> None:
    """A multi-tenant app owned by another tenant: that tenant sets its credentials."""
    home = context.tree.tenant_id
    if not home:
        return
    for record in sorted(context.directory.records.values(), key=lambda r: r.node_id):
        owner = str(record.attributes.get("appOwnerOrganizationId") or "").lower()
        if not owner or owner == home or owner in _MICROSOFT_TENANTS:
            continue
        tenant = tenant_node_id(owner)
        graph.add_principal(
            Principal(
                tenant,
                NodeKind.AZURE_TENANT,
                cloud=Cloud.AZURE,
                name=owner,
                external=True,
            )
        )
        evidence = Evidence(
            "directory",
            record.node_id,
            f"service principal of an application owned by tenant {owner}",
        )
        _edge(
            context,
            graph,
            tenant,
            record.node_id,
            Mechanism.ADD_APP_SECRET,
            evidence=[evidence],
        )


EDGE_BUILDERS: tuple[EdgeBuilder, ...] = (
    edges_from_membership,
    edges_from_role_assignments,
    mark_admins,
    edges_from_directory_roles,
    edges_from_role_assignment_write,
    edges_from_identity_use,
    edges_from_run_command,
    edges_from_ownership,
    edges_from_federation,
    edges_from_foreign_tenants,
)
