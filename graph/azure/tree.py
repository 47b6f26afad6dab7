"""Graph stage, Azure: the scope tree from group, subscription and RG exports."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from typing import Any

from graph.azure.recognize import MG_TYPES, body_of, items_of, type_of
from graph.azure.scopes import ScopeTree, normalize_scope, subscription_scope
from graph.load import Inventory
from graph.model import Cloud, CoverageGap

logger = logging.getLogger(__name__)


def read_tree(
    inventory: Inventory,
    tenant_hints: Counter[str],
) -> tuple[ScopeTree, list[CoverageGap]]:
    """Management groups, subscriptions and resource groups, and tenant gaps."""
    tree = ScopeTree()
    tenants = Counter(tenant_hints)
    for document in inventory.of_kind("azure.management_groups"):
        roots = [document.data] if isinstance(document.data, dict) else []
        for item in items_of(document.data) or roots:
            if isinstance(item, dict):
                _read_group(tree, item, "", tenants)
    for document in inventory.of_kind("azure.subscriptions"):
        for item in items_of(document.data) or []:
            _read_subscription(tree, item, tenants, document.path)
    for document in inventory.of_kind("azure.resource_groups"):
        for item in items_of(document.data) or []:
            tree.add(str(item.get("id", "")), name=str(item.get("name", "")))
    tree.tenant_id = _one_tenant(tenants)
    return tree, tenant_gaps(tenants)


def tenant_gaps(tenant_hints: Counter[str]) -> list[CoverageGap]:
    """A gap when the exports span several tenants (one is analysed)."""
    if len(tenant_hints) <= 1:
        return []
    chosen = _one_tenant(tenant_hints)
    others = sorted(set(tenant_hints) - {chosen})
    return [
        CoverageGap(
            scope=f"/tenants/{chosen}",
            reason="several-tenants",
            detail=f"principals are placed in {chosen}; also seen: {', '.join(others)}",
            cloud=Cloud.AZURE,
        )
    ]


def _one_tenant(tenants: Counter[str]) -> str:
    if not tenants:
        return ""
    return sorted(tenants.items(), key=lambda pair: (-pair[1], pair[0]))[0][0]


def _read_group(
    tree: ScopeTree,
    item: Mapping[str, Any],
    parent: str,
    tenants: Counter[str],
) -> None:
    """A management group and, recursively, its children."""
    body = body_of(item)
    scope = normalize_scope(str(item.get("id", "")))
    if not parent:
        details = body.get("details") or {}
        above = details.get("parent") if isinstance(details, dict) else None
        parent = str(above.get("id") or "") if isinstance(above, dict) else ""
    name = str(body.get("displayName") or item.get("displayName") or item.get("name"))
    if type_of(item) in MG_TYPES:
        tree.add(scope, name=name, parent=parent)
    elif "/subscriptions/" in scope.lower():
        tree.add(scope, name=name, parent=parent)
    if body.get("tenantId"):
        tenants[str(body["tenantId"]).lower()] += 1
    children = body.get("children") or item.get("children")
    for child in children if isinstance(children, list) else []:
        if isinstance(child, dict):
            _read_group(tree, child, scope, tenants)


def _read_subscription(
    tree: ScopeTree,
    item: Mapping[str, Any],
    tenants: Counter[str],
    path: str,
) -> None:
    """A subscription, its tenant and any Lighthouse managing tenants."""
    raw = str(item.get("subscriptionId") or item.get("id") or "")
    scope = normalize_scope(raw) if raw.startswith("/") else subscription_scope(raw)
    name = str(item.get("displayName") or item.get("name") or "")
    node_id = tree.add(scope, name=name)
    managers = [
        str(entry.get("tenantId")).lower()
        for entry in _list(item.get("managedByTenants"))
        if isinstance(entry, dict) and entry.get("tenantId")
    ]
    for manager in sorted(managers):
        tree.managed_by.setdefault(node_id, []).append((manager, path))
    if item.get("tenantId"):
        tenants[str(item["tenantId"]).lower()] += 1


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []
