"""Graph stage, Azure: edges from outside parties (token subjects, foreign tenants)."""

from __future__ import annotations

import fnmatch

from graph.azure.context import AzureContext, acting_principal, add_edge
from graph.azure.federation import (
    Reach,
    issuer_host,
    subject_node_id,
    subject_reach,
)
from graph.azure.scopes import tenant_node_id
from graph.model import (
    Cloud,
    Condition,
    Evidence,
    Mechanism,
    NodeKind,
    PolicyNote,
    Principal,
    Severity,
    Verdict,
)
from graph.trustgraph import TrustGraph

# The AWS builder's words for how far a subject pattern reaches.
_SCOPE_WORDS = {
    Reach.PINNED: "pinned",
    Reach.BROAD: "broad",
    Reach.UNPINNED_CONTEXT: "any",
    Reach.ANY: "any",
}
# Tenants of Microsoft's own first-party applications, present in every tenant.
_MICROSOFT_TENANTS = frozenset(
    {
        "f8cdef31-a31e-4b4a-93e4-5f571e91255a",
        "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "33e01921-4d64-4f8c-a055-5bdaffd5e33d",
    }
)


def edges_from_federation(context: AzureContext, graph: TrustGraph) -> None:
    """External token subjects → the identity or service principal that trusts them."""
    for credential, evidence in context.directory.credentials:
        target = acting_principal(context, credential.parent)
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
            add_edge(
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
    """A note when a subject pattern is not pinned to one workload."""
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


def _foreign_tenant(graph: TrustGraph, tenant_id: str) -> str:
    node_id = tenant_node_id(tenant_id)
    graph.add_principal(
        Principal(
            node_id,
            NodeKind.AZURE_TENANT,
            cloud=Cloud.AZURE,
            name=tenant_id,
            external=True,
        )
    )
    return node_id


def edges_from_foreign_tenants(context: AzureContext, graph: TrustGraph) -> None:
    """A multi-tenant app owned by another tenant: that tenant sets its credentials."""
    home = context.tree.tenant_id
    if not home:
        return
    for record in sorted(context.directory.records.values(), key=lambda r: r.node_id):
        owner = str(record.attributes.get("appOwnerOrganizationId") or "").lower()
        if not owner or owner == home or owner in _MICROSOFT_TENANTS:
            continue
        tenant = _foreign_tenant(graph, owner)
        evidence = Evidence(
            record.source,
            record.node_id,
            f"service principal of an application owned by tenant {owner}",
        )
        add_edge(
            context,
            graph,
            tenant,
            record.node_id,
            Mechanism.ADD_APP_SECRET,
            evidence=[evidence],
        )


def edges_from_lighthouse(context: AzureContext, graph: TrustGraph) -> None:
    """Tenants that manage a subscription through Azure Lighthouse delegation."""
    for subscription, managers in sorted(context.tree.managed_by.items()):
        for owner, path in managers:
            tenant = _foreign_tenant(graph, owner)
            condition = Condition(
                operator="lighthouse",
                key="delegation",
                values=(owner,),
                verdict=Verdict.DEPENDS,
                note="the delegated roles live in the managing tenant's offer",
            )
            evidence = Evidence(
                path,
                subscription,
                f"managedByTenants lists {owner}",
            )
            add_edge(
                context,
                graph,
                tenant,
                subscription,
                Mechanism.ROLE_ASSIGNMENT,
                conditions=[condition],
                evidence=[evidence],
            )


def edges_into_other_clouds(context: AzureContext, graph: TrustGraph) -> None:
    """Identities of this tenant whose Entra tokens match another cloud's trust.

    Another cloud's builder draws a subject node (``issuer``, ``pattern``) for a
    trust on this tenant's issuer; app and managed-identity tokens carry the
    identity's object id as ``sub``, so the identity can become that subject.
    """
    tenant = context.tree.tenant_id
    if not tenant:
        return
    issuers = {f"sts.windows.net/{tenant}", f"login.microsoftonline.com/{tenant}/v2.0"}
    callers = [
        r
        for r in context.directory.records.values()
        if r.kind in (NodeKind.SERVICE_PRINCIPAL, NodeKind.MANAGED_IDENTITY)
    ]
    for subject in list(graph.principals(NodeKind.FEDERATED_SUBJECT)):
        issuer = issuer_host(str(subject.attributes.get("issuer", ""))).lower()
        pattern = str(subject.attributes.get("pattern", "")).lower()
        if issuer not in issuers or not pattern.strip("*?"):
            continue
        for record in callers:
            if not fnmatch.fnmatchcase(record.node_id, pattern):
                continue
            detail = f"Entra tokens of {record.node_id} carry sub={record.node_id}"
            add_edge(
                context,
                graph,
                record.node_id,
                subject.node_id,
                Mechanism.FEDERATE,
                evidence=[Evidence(record.source, subject.node_id, detail)],
            )
