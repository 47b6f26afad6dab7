"""Graph stage, Azure: ARM scope ids and the tenant → group → subscription tree."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from graph.model import NodeKind

ROOT_SCOPE = "/"
MG_PREFIX = "/providers/Microsoft.Management/managementGroups/"

_KEYWORDS = {
    "subscriptions": "subscriptions",
    "resourcegroups": "resourceGroups",
    "providers": "providers",
}
_SUBSCRIPTION = re.compile(r"^/subscriptions/([^/]+)", re.IGNORECASE)


@lru_cache(maxsize=1 << 17)
def normalize_scope(scope: str) -> str:
    """One spelling per ARM id: fixed-case keywords, lower-case GUIDs, no slash tail."""
    text = scope.strip()
    if not text or text == ROOT_SCOPE:
        return ROOT_SCOPE
    parts = [p for p in text.split("/") if p]
    out = []
    for index, part in enumerate(parts):
        keyword = _KEYWORDS.get(part.lower())
        if keyword and index % 2 == 0:
            out.append(keyword)
        elif index > 0 and out[index - 1] == "subscriptions":
            out.append(part.lower())
        else:
            out.append(part)
    joined = "/" + "/".join(out)
    if joined.lower().startswith(MG_PREFIX.lower()):
        return MG_PREFIX + joined[len(MG_PREFIX) :]
    return joined


def scope_key(scope: str) -> str:
    """Case-insensitive comparison key of an ARM scope."""
    return normalize_scope(scope).lower()


def subscription_scope(subscription_id: str) -> str:
    return normalize_scope(f"/subscriptions/{subscription_id}")


def management_group_scope(name: str) -> str:
    return MG_PREFIX + name


def tenant_node_id(tenant_id: str) -> str:
    return f"/tenants/{tenant_id.lower()}"


def subscription_of(scope: str) -> str:
    """The ``/subscriptions/<id>`` prefix of a scope, or ``""``."""
    found = _SUBSCRIPTION.match(normalize_scope(scope))
    return subscription_scope(found.group(1)) if found else ""


def natural_parent(scope: str) -> str:
    """The parent an ARM id implies by its own path (groups excepted)."""
    parts = normalize_scope(scope).strip("/").split("/")
    if len(parts) <= 2:
        return ""
    if len(parts) == 4 and parts[2] == "resourceGroups":
        return "/" + "/".join(parts[:2])
    if "providers" in parts:
        cut = parts.index("providers")
        return "/" + "/".join(parts[:cut]) if cut else ""
    return "/" + "/".join(parts[:-2])


def kind_of_scope(scope: str) -> NodeKind | None:
    """The container kind of a scope, or None for a resource scope."""
    normal = normalize_scope(scope)
    parts = normal.strip("/").split("/")
    if normal.startswith(MG_PREFIX) and len(parts) == 4:
        return NodeKind.MANAGEMENT_GROUP
    if parts[0] == "subscriptions" and len(parts) == 2:
        return NodeKind.SUBSCRIPTION
    if parts[0] == "subscriptions" and len(parts) == 4 and parts[2] == "resourceGroups":
        return NodeKind.RESOURCE_GROUP
    return None


@dataclass(slots=True)
class ScopeTree:
    """Container scopes and their parents, compared case-insensitively.

    ``"/"`` is the tenant root scope; its node is the tenant when one tenant
    is known. Management-group parents come from the tree exports; a scope
    with no known parent hangs under the root.
    """

    tenant_id: str = ""
    names: dict[str, str] = field(default_factory=dict)
    parents: dict[str, str] = field(default_factory=dict)
    spelling: dict[str, str] = field(default_factory=dict)
    managed_by: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    _children: dict[str, list[str]] | None = None
    _chains: dict[str, list[str]] = field(default_factory=dict)

    def add(self, scope: str, *, name: str = "", parent: str = "") -> str:
        """Register a container scope (first spelling wins); return its id."""
        normal = normalize_scope(scope)
        key = normal.lower()
        node_id = self.spelling.setdefault(key, normal)
        self._children = None
        self._chains.clear()
        if name and not self.names.get(key):
            self.names[key] = name
        if parent and scope_key(parent) != key:
            self.parents[key] = scope_key(parent)
            self.add(parent)
        return node_id

    def node_id(self, scope: str) -> str:
        """The node id of a known container scope (the root maps to the tenant)."""
        key = scope_key(scope)
        if key == ROOT_SCOPE:
            return self.root_node_id()
        return self.spelling.get(key, normalize_scope(scope))

    def root_node_id(self) -> str:
        return tenant_node_id(self.tenant_id) if self.tenant_id else ROOT_SCOPE

    def knows(self, scope: str) -> bool:
        return scope_key(scope) in self.spelling

    def parent(self, scope: str) -> str:
        """The parent scope key; ``"/"`` above the top; ``""`` above the root."""
        key = scope_key(scope)
        if key == ROOT_SCOPE:
            return ""
        if key in self.parents:
            return self.parents[key]
        natural = natural_parent(key)
        return natural.lower() if natural else ROOT_SCOPE

    def ancestors(self, scope: str) -> list[str]:
        """The scope's own key, then every parent key up to the root."""
        key = scope_key(scope)
        cached = self._chains.get(key)
        if cached is not None:
            return cached
        chain = [key]
        while chain[-1] != ROOT_SCOPE and len(chain) < 64:
            parent = self.parent(chain[-1])
            if not parent or parent in chain:
                break
            chain.append(parent)
        self._chains[key] = chain
        return chain

    def covers(self, outer: str, inner: str) -> bool:
        return scope_key(outer) in self.ancestors(inner)

    def descendants(self, scope: str) -> list[str]:
        """Known container scopes strictly below ``scope``, sorted."""
        if self._children is None:
            self._children = {}
            for other in self.spelling:
                self._children.setdefault(self.parent(other), []).append(other)
        found: set[str] = set()
        stack = list(self._children.get(scope_key(scope), []))
        while stack:
            child = stack.pop()
            if child not in found:
                found.add(child)
                stack.extend(self._children.get(child, []))
        return sorted(self.spelling[k] for k in found)

    def containers(self) -> list[str]:
        return sorted(self.spelling.values())
