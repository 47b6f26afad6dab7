"""Graph stage, Azure: role and deny assignments, and who may act where."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graph.azure.recognize import body_of, items_of
from graph.azure.roles import (
    Permission,
    RoleCatalog,
    RoleDefinition,
    parse_role_definition,
    permits,
    role_guid,
)
from graph.azure.scopes import ScopeTree, normalize_scope, scope_key
from graph.load import Inventory
from graph.model import Cloud, Condition, CoverageGap, Evidence, Verdict

logger = logging.getLogger(__name__)

EVERYONE = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True, slots=True)
class Grant:
    """One role assignment (active or PIM-eligible) of a role at a scope."""

    holder: str
    principal_type: str
    role: RoleDefinition | None
    role_name: str
    scope: str
    evidence: Evidence
    conditions: tuple[Condition, ...] = ()
    eligible: bool = False

    def allows(self, action: str, *, data: bool = False) -> bool:
        return self.role is not None and self.role.allows(action, data=data)


@dataclass(frozen=True, slots=True)
class DenyRule:
    """A deny assignment: actions refused to principals at a scope."""

    scope: str
    permissions: tuple[Permission, ...]
    principals: frozenset[str]
    excluded: frozenset[str]
    children: bool
    evidence: Evidence

    def refuses(self, action: str, *, data: bool = False) -> bool:
        return permits(self.permissions, action, data=data)


@dataclass(slots=True)
class Assignments:
    """Every grant and deny rule read from the exports."""

    grants: list[Grant] = field(default_factory=list)
    dangling: list[Grant] = field(default_factory=list)
    denies: list[DenyRule] = field(default_factory=list)
    catalog: RoleCatalog = field(default_factory=RoleCatalog)
    gaps: list[CoverageGap] = field(default_factory=list)


def read_assignments(inventory: Inventory) -> Assignments:
    """Role definitions first (they resolve ids), then grants and denies."""
    found = Assignments()
    for document in inventory.of_kind("azure.role_definitions"):
        for item in items_of(document.data) or []:
            role = parse_role_definition(item)
            if role is not None:
                found.catalog.add(role)
    unknown: set[str] = set()
    for kind, eligible in (
        ("azure.role_assignments", False),
        ("azure.role_eligibilities", True),
    ):
        for document in inventory.of_kind(kind):
            for item in items_of(document.data) or []:
                grant = _grant(found.catalog, item, document.path, eligible)
                if not grant.holder:
                    found.gaps.append(_no_holder_gap(grant))
                    continue
                # "Unknown" is how a deleted principal's assignment is listed.
                deleted = grant.principal_type.lower() == "unknown"
                (found.dangling if deleted else found.grants).append(grant)
                if grant.role is None and grant.role_name not in unknown:
                    unknown.add(grant.role_name)
                    found.gaps.append(_unknown_role_gap(grant))
    for document in inventory.of_kind("azure.deny_assignments"):
        for item in items_of(document.data) or []:
            found.denies.append(_deny(item, document.path))
    return found


def _grant(
    catalog: RoleCatalog,
    item: Mapping[str, Any],
    path: str,
    eligible: bool,
) -> Grant:
    """One grant from a flat az item or an ARM item."""
    body = body_of(item)
    definition_id = str(body.get("roleDefinitionId") or "")
    role_name = str(body.get("roleDefinitionName") or _expanded_role_name(body))
    role = catalog.resolve(definition_id, _classic_as_owner(role_name))
    name = role.name if role else role_name or role_guid(definition_id)
    scope = normalize_scope(str(body.get("scope") or "/"))
    conditions = list(_abac_conditions(body))
    if eligible:
        conditions.append(
            Condition(
                operator="pim",
                key="activation",
                values=("eligible",),
                verdict=Verdict.DEPENDS,
                note="PIM-eligible: the holder must activate the role first",
            )
        )
    statement = str(item.get("id") or item.get("name") or f"{name}@{scope}")
    detail = f"role {name} at {scope}" + (" (eligible)" if eligible else "")
    return Grant(
        holder=str(body.get("principalId") or body.get("principalName") or "").lower(),
        principal_type=str(body.get("principalType") or ""),
        role=role,
        role_name=name,
        scope=scope,
        evidence=Evidence(path, statement, detail),
        conditions=tuple(conditions),
        eligible=eligible,
    )


def _classic_as_owner(role_name: str) -> str:
    """Classic service and co-administrators hold Owner-equal power."""
    classic = ("serviceadministrator", "coadministrator", "accountadministrator")
    lowered = role_name.lower()
    return "Owner" if any(c in lowered for c in classic) else role_name


def _expanded_role_name(body: Mapping[str, Any]) -> str:
    expanded = body.get("expandedProperties")
    if not isinstance(expanded, dict):
        return ""
    role = expanded.get("roleDefinition")
    return str(role.get("displayName") or "") if isinstance(role, dict) else ""


def _abac_conditions(body: Mapping[str, Any]) -> list[Condition]:
    """The role-assignment condition, kept as a depends-condition."""
    text = body.get("condition")
    if not isinstance(text, str) or not text.strip():
        return []
    version = body.get("conditionVersion") or ""
    return [
        Condition(
            operator="abac",
            key="condition",
            values=(text.strip(),),
            verdict=Verdict.DEPENDS,
            note=f"role assignment condition (version {version or 'unknown'})",
        )
    ]


def _unknown_role_gap(grant: Grant) -> CoverageGap:
    logger.warning("role %s not in the exports or the built-in table", grant.role_name)
    return CoverageGap(
        scope=grant.evidence.document,
        reason="unknown-role",
        detail=(
            f"role definition {grant.role_name} was not exported; "
            "edges that depend on its permissions are missing"
        ),
        cloud=Cloud.AZURE,
    )


def _no_holder_gap(grant: Grant) -> CoverageGap:
    logger.warning("%s: assignment names no principal", grant.evidence.statement)
    return CoverageGap(
        scope=grant.evidence.document,
        reason="no-principal",
        detail=f"{grant.evidence.statement} names no principal; it was skipped",
        cloud=Cloud.AZURE,
    )


def _deny(item: Mapping[str, Any], path: str) -> DenyRule:
    """One deny rule from an ARM deny assignment item."""
    body = body_of(item)
    blocks = []
    for block in body.get("permissions") or []:
        if isinstance(block, dict):
            blocks.append(
                Permission(
                    actions=tuple(block.get("actions") or ()),
                    not_actions=tuple(block.get("notActions") or ()),
                    data_actions=tuple(block.get("dataActions") or ()),
                    not_data_actions=tuple(block.get("notDataActions") or ()),
                )
            )
    name = str(body.get("denyAssignmentName") or item.get("name") or "")
    return DenyRule(
        scope=normalize_scope(str(body.get("scope") or "/")),
        permissions=tuple(blocks),
        principals=_ids(body.get("principals")),
        excluded=_ids(body.get("excludePrincipals")),
        children=not body.get("doNotApplyToChildScopes", False),
        evidence=Evidence(path, str(item.get("id") or name), f"deny assignment {name}"),
    )


def _ids(value: Any) -> frozenset[str]:
    if not isinstance(value, list):
        return frozenset()
    return frozenset(
        str(p.get("id")).lower() for p in value if isinstance(p, dict) and p.get("id")
    )


class Authority:
    """Answers "which grants let X do action A at scope S", minus denials."""

    def __init__(
        self,
        assignments: Assignments,
        tree: ScopeTree,
        groups: Mapping[str, frozenset[str]],
    ) -> None:
        self.tree = tree
        self.groups = groups
        self.denies = assignments.denies
        self.by_scope: dict[str, list[Grant]] = {}
        for grant in assignments.grants:
            self.by_scope.setdefault(scope_key(grant.scope), []).append(grant)

    def grants_at(self, target: str, action: str, *, data: bool = False) -> list[Grant]:
        """Grants at ``target`` or above whose role allows ``action``."""
        found = []
        for key in self.tree.ancestors(target):
            for grant in self.by_scope.get(key, []):
                if grant.allows(action, data=data):
                    found.append(grant)
        return found

    def denial(
        self,
        holder: str,
        action: str,
        target: str,
        *,
        data: bool = False,
    ) -> DenyRule | None:
        """The deny assignment refusing ``action`` to ``holder`` at ``target``."""
        if not self.denies:
            return None
        identities = {holder, *self.groups.get(holder, frozenset())}
        chain = self.tree.ancestors(target)
        for rule in self.denies:
            key = scope_key(rule.scope)
            if key not in chain or (not rule.children and key != chain[0]):
                continue
            named = EVERYONE in rule.principals or bool(identities & rule.principals)
            spared = bool(identities & rule.excluded)
            if named and not spared and rule.refuses(action, data=data):
                return rule
        return None
