"""Graph stage, Azure: containers, principals, edges and admin marks from exports."""

from __future__ import annotations

import logging
from collections import Counter

from graph.azure.assignments import Assignments, Authority, read_assignments
from graph.azure.context import AzureContext
from graph.azure.directory import Directory, read_directory
from graph.azure.edges import EDGE_BUILDERS
from graph.azure.entra import read_directory_roles
from graph.azure.scopes import (
    ROOT_SCOPE,
    ScopeTree,
    kind_of_scope,
    natural_parent,
    subscription_of,
)
from graph.azure.tree import read_tree
from graph.load import Inventory
from graph.model import Cloud, CoverageGap, NodeKind, Principal
from graph.trustgraph import TrustGraph

logger = logging.getLogger(__name__)

_PRINCIPAL_TYPES = {
    "user": NodeKind.USER,
    "group": NodeKind.GROUP,
    "foreigngroup": NodeKind.GROUP,
    "serviceprincipal": NodeKind.SERVICE_PRINCIPAL,
    "managedidentity": NodeKind.MANAGED_IDENTITY,
}
_TENANT_LEVEL = "tenant"


def build_azure(inventory: Inventory, graph: TrustGraph) -> None:
    """Add every Azure container, principal, edge, admin mark and note.

    Parameters
    ----------
    inventory
        Loaded documents; only ``azure.*`` kinds are read.
    graph
        The trust graph to extend.

    Examples
    --------
    >>> from graph.load import load_inputs
    >>> graph = TrustGraph()
    >>> build_azure(load_inputs(["sample_data/azure"]), graph)
    >>> graph.admin_reason("32000000-0000-4000-8000-000000000001")
    'Owner at /subscriptions/aaaaaaaa-0000-4000-8000-000000000001'
    """
    if not any(kind.startswith("azure.") for kind in inventory.kinds()):
        return
    directory = read_directory(inventory)
    assignments = read_assignments(inventory)
    tree, gaps = read_tree(inventory, Counter(sorted(directory.tenant_ids)))
    gaps += _truncation_gaps(inventory)
    for gap in (*directory.gaps, *assignments.gaps, *gaps):
        graph.add_gap(gap)

    _place_scopes(tree, directory, assignments)
    for gap in _hierarchy_gaps(tree, assignments):
        graph.add_gap(gap)
    _add_placeholders(directory, assignments)
    directory_roles = read_directory_roles(inventory)
    for role in directory_roles:
        directory.record(role.holder, role.holder_kind, placeholder=True)
    boundary = _add_nodes(graph, tree, directory)
    groups, members = _memberships(directory)
    authority = Authority(assignments, tree, groups)
    context = AzureContext(
        tree,
        directory,
        assignments,
        authority,
        groups,
        members,
        boundary,
        directory_roles,
    )

    for edges_from in EDGE_BUILDERS:
        edges_from(context, graph)
    logger.info(
        "azure: %d scopes, %d principals, %d grants",
        len(tree.containers()),
        len(directory.records),
        len(assignments.grants),
    )


def _truncation_gaps(inventory: Inventory) -> list[CoverageGap]:
    """A page that names a next page: the records after it are not in the export."""
    gaps = []
    for document in inventory.documents:
        data = document.data
        if not document.kind.startswith("azure.") or not isinstance(data, dict):
            continue
        if data.get("nextLink") or data.get("@odata.nextLink"):
            logger.warning("%s is one page of a longer list", document.path)
            gaps.append(
                CoverageGap(
                    scope=document.path,
                    reason="truncated",
                    detail="the export names a next page that is not in the snapshot",
                    cloud=Cloud.AZURE,
                )
            )
    return gaps


def _place_scopes(tree: ScopeTree, directory: Directory, found: Assignments) -> None:
    """Containers named only by assignment scopes or identity ids join the tree."""
    scopes = [g.scope for g in (*found.grants, *found.dangling)]
    scopes += [r.container_scope for r in directory.records.values()]
    scopes += [
        str(r.attributes.get("resource_id", "")) for r in directory.records.values()
    ]
    for scope in scopes:
        while scope and scope != ROOT_SCOPE:
            if kind_of_scope(scope) is not None and not tree.knows(scope):
                tree.add(scope)
            scope = natural_parent(scope)


def _hierarchy_gaps(tree: ScopeTree, found: Assignments) -> list[CoverageGap]:
    """Groups holding assignments whose children no export names."""
    gaps = []
    for scope in sorted({g.scope for g in found.grants}):
        grouped = kind_of_scope(scope) is NodeKind.MANAGEMENT_GROUP
        if grouped and not tree.descendants(scope):
            logger.warning("%s: no export names what the group contains", scope)
            gaps.append(
                CoverageGap(
                    scope=scope,
                    reason="hierarchy-unknown",
                    detail=(
                        "assignments at this management group reach no "
                        "subscription: the group tree was not exported"
                    ),
                    cloud=Cloud.AZURE,
                )
            )
    return gaps


def _add_placeholders(directory: Directory, found: Assignments) -> None:
    """Principals seen only in assignments become placeholder records."""
    for grant in found.grants:
        kind = _PRINCIPAL_TYPES.get(grant.principal_type.lower())
        if kind is None:
            kind = NodeKind.SERVICE_PRINCIPAL
        record = directory.record(grant.holder, kind, placeholder=True)
        if grant.principal_type:
            record.attributes.setdefault("principalType", grant.principal_type)


def _add_nodes(
    graph: TrustGraph,
    tree: ScopeTree,
    directory: Directory,
) -> dict[str, str]:
    """Container nodes, then principal nodes; returns each node's boundary."""
    root = tree.root_node_id()
    graph.add_principal(
        Principal(
            root,
            NodeKind.AZURE_TENANT,
            cloud=Cloud.AZURE,
            name=tree.tenant_id or "tenant root scope",
        )
    )
    boundary = {root: _TENANT_LEVEL}
    for scope in tree.containers():
        kind = kind_of_scope(scope) or NodeKind.MANAGEMENT_GROUP
        parent = tree.parent(scope)
        graph.add_principal(
            Principal(
                scope,
                kind,
                cloud=Cloud.AZURE,
                name=tree.names.get(scope.lower(), "") or scope.rsplit("/", 1)[-1],
                container_id=tree.node_id(parent) if parent else "",
            )
        )
        boundary[scope] = subscription_of(scope).lower() or _TENANT_LEVEL
    for record in sorted(directory.records.values(), key=lambda r: r.node_id):
        container = (
            tree.node_id(record.container_scope) if record.container_scope else root
        )
        attributes = dict(record.attributes)
        if record.placeholder:
            attributes["placeholder"] = True
        graph.add_principal(
            Principal(
                record.node_id,
                record.kind,
                cloud=Cloud.AZURE,
                name=record.name or record.node_id,
                container_id=container,
                tags=dict(record.tags),
                attributes=attributes,
            )
        )
        boundary[record.node_id] = subscription_of(record.container_scope).lower() or (
            _TENANT_LEVEL
        )
    return boundary


def _memberships(
    directory: Directory,
) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """Transitive groups of each member, and transitive members of each group."""
    direct: dict[str, set[str]] = {}
    for member, group in directory.memberships:
        direct.setdefault(member, set()).add(group)
    groups: dict[str, frozenset[str]] = {}
    for member in direct:
        seen: set[str] = set()
        stack = list(direct[member])
        while stack:
            group = stack.pop()
            if group not in seen:
                seen.add(group)
                stack.extend(direct.get(group, ()))
        groups[member] = frozenset(seen - {member})
    members: dict[str, set[str]] = {}
    for member, found in groups.items():
        for group in found:
            members.setdefault(group, set()).add(member)
    return groups, {g: frozenset(m) for g, m in members.items()}
