"""Graph stage, Azure: role definitions, action matching and the built-in roles."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

ROLE_ASSIGNMENT_WRITE = "Microsoft.Authorization/roleAssignments/write"
IDENTITY_ASSIGN = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"
IDENTITY_CREDENTIAL_WRITE = (
    "Microsoft.ManagedIdentity/userAssignedIdentities"
    "/federatedIdentityCredentials/write"
)
VM_RUN_COMMAND = "Microsoft.Compute/virtualMachines/runCommand/action"
SECRET_READ = "Microsoft.KeyVault/vaults/secrets/getSecret/action"

# Writes that attach a user-assigned identity to compute the caller controls.
COMPUTE_WRITES = (
    "Microsoft.Compute/virtualMachines/write",
    "Microsoft.Compute/virtualMachineScaleSets/write",
    "Microsoft.Web/sites/write",
    "Microsoft.ContainerInstance/containerGroups/write",
    "Microsoft.App/containerApps/write",
    "Microsoft.Automation/automationAccounts/write",
    "Microsoft.Logic/workflows/write",
)

# Control-plane actions that make a role privileged (more than reading).
POWER_ACTIONS = (
    ROLE_ASSIGNMENT_WRITE,
    "Microsoft.Authorization/roleDefinitions/write",
    IDENTITY_ASSIGN,
    IDENTITY_CREDENTIAL_WRITE,
    VM_RUN_COMMAND,
    *COMPUTE_WRITES,
    "Microsoft.KeyVault/vaults/accessPolicies/write",
)


@dataclass(frozen=True, slots=True)
class Permission:
    """One ``permissions[]`` block of a role definition."""

    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    data_actions: tuple[str, ...] = ()
    not_data_actions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RoleDefinition:
    """A role: its GUID, name and permission blocks."""

    role_id: str
    name: str
    permissions: tuple[Permission, ...]
    custom: bool = False

    def allows(self, action: str, *, data: bool = False) -> bool:
        return permits(self.permissions, action, data=data)

    @property
    def privileged(self) -> bool:
        return _privileged(self)


@lru_cache(maxsize=4096)
def _privileged(role: RoleDefinition) -> bool:
    """More than reading: some power action, or reading vault secrets."""
    if any(role.allows(a) for a in POWER_ACTIONS):
        return True
    return role.allows(SECRET_READ, data=True)


@lru_cache(maxsize=4096)
def _pattern(text: str) -> re.Pattern[str]:
    # A `/*/` segment also matches no segment: `identities/*/assign/action`
    # grants `identities/assign/action` in the built-in operator role.
    body = re.escape(text).replace("/\\*/", "/(?:.*/)?").replace("\\*", ".*")
    return re.compile(f"^{body}$", re.IGNORECASE)


def permits(
    blocks: Iterable[Permission],
    action: str,
    *,
    data: bool = False,
) -> bool:
    """True when some block lists ``action`` and does not subtract it again."""
    for block in blocks:
        listed = block.data_actions if data else block.actions
        removed = block.not_data_actions if data else block.not_actions
        if matches_any(listed, action) and not matches_any(removed, action):
            return True
    return False


def matches_any(patterns: Iterable[str], action: str) -> bool:
    """Azure action match: case-insensitive, ``*`` spans any characters."""
    return any(_pattern(p).match(action) for p in patterns)


def role_guid(role_definition_id: str) -> str:
    """The GUID at the end of a role definition id (or the id itself)."""
    return role_definition_id.rstrip("/").rsplit("/", 1)[-1].lower()


def parse_role_definition(item: Mapping[str, Any]) -> RoleDefinition | None:
    """Read ``az role definition list`` or ARM REST items; None when shapeless."""
    inner = item.get("properties")
    body: Mapping[str, Any] = inner if isinstance(inner, dict) else item
    name = body.get("roleName")
    guid = item.get("name") or item.get("id") or ""
    if not isinstance(name, str) or not isinstance(guid, str) or not guid:
        return None
    blocks = tuple(
        Permission(
            actions=_strings(block.get("actions")),
            not_actions=_strings(block.get("notActions")),
            data_actions=_strings(block.get("dataActions")),
            not_data_actions=_strings(block.get("notDataActions")),
        )
        for block in body.get("permissions") or []
        if isinstance(block, dict)
    )
    kind = body.get("roleType") or body.get("type") or ""
    return RoleDefinition(
        role_id=role_guid(guid),
        name=name,
        permissions=blocks,
        custom=kind == "CustomRole",
    )


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, str))


def _builtin(
    guid: str,
    name: str,
    actions: tuple[str, ...],
    not_actions: tuple[str, ...] = (),
    data_actions: tuple[str, ...] = (),
) -> RoleDefinition:
    """A bundled built-in role with one permission block."""
    block = Permission(
        actions=actions,
        not_actions=not_actions,
        data_actions=data_actions,
    )
    return RoleDefinition(role_id=guid, name=name, permissions=(block,))


_READ_SUPPORT = ("*/read", "Microsoft.Support/*")

# Built-in roles whose permissions decide edges; the rest resolve by name only.
# Each row restates the published built-in definition's relevant actions.
BUILTIN_ROLES: tuple[RoleDefinition, ...] = (
    _builtin("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner", ("*",)),
    _builtin(
        "b24988ac-6180-42a0-ab88-20f7382dd24c",
        "Contributor",
        ("*",),
        (
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/elevateAccess/Action",
            "Microsoft.Blueprint/blueprintAssignments/write",
            "Microsoft.Blueprint/blueprintAssignments/delete",
            "Microsoft.Compute/galleries/share/action",
        ),
    ),
    _builtin("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader", ("*/read",)),
    _builtin(
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
        "User Access Administrator",
        ("*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"),
    ),
    _builtin(
        "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
        "Role Based Access Control Administrator",
        (
            "Microsoft.Authorization/roleAssignments/write",
            "Microsoft.Authorization/roleAssignments/delete",
            *_READ_SUPPORT,
        ),
    ),
    _builtin(
        "f1a07417-d97a-45cb-824c-7a7467783830",
        "Managed Identity Operator",
        (
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
            "Microsoft.Authorization/*/read",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            "Microsoft.Resources/deployments/*",
        ),
    ),
    _builtin(
        "e40ec5ca-96e0-45a2-b4ff-59039f2c2b59",
        "Managed Identity Contributor",
        (
            "Microsoft.ManagedIdentity/userAssignedIdentities/read",
            "Microsoft.ManagedIdentity/userAssignedIdentities/write",
            "Microsoft.ManagedIdentity/userAssignedIdentities/delete",
            "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/*",
            "Microsoft.Authorization/*/read",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
        ),
    ),
    _builtin(
        "9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
        "Virtual Machine Contributor",
        (
            "Microsoft.Authorization/*/read",
            "Microsoft.Compute/virtualMachines/*",
            "Microsoft.Compute/virtualMachineScaleSets/*",
            "Microsoft.Network/networkInterfaces/*",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
        ),
    ),
    _builtin(
        "de139f84-1756-47ae-9be6-808fbbe84772",
        "Website Contributor",
        ("Microsoft.Authorization/*/read", "Microsoft.Web/sites/*"),
    ),
    _builtin(
        "f353d9bd-d4a6-484e-a77a-8050b599b867",
        "Automation Contributor",
        ("Microsoft.Authorization/*/read", "Microsoft.Automation/automationAccounts/*"),
    ),
    _builtin(
        "f25e0fa2-a7c8-4377-a976-54943a77a395",
        "Key Vault Contributor",
        ("Microsoft.Authorization/*/read", "Microsoft.KeyVault/*"),
        ("Microsoft.KeyVault/locations/deletedVaults/purge/action",),
    ),
    _builtin(
        "00482a5a-887f-4fb3-b363-3b7fe8e74483",
        "Key Vault Administrator",
        (
            "Microsoft.Authorization/*/read",
            "Microsoft.KeyVault/checkNameAvailability/read",
        ),
        data_actions=("Microsoft.KeyVault/vaults/*",),
    ),
    _builtin(
        "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
        "Key Vault Secrets Officer",
        ("Microsoft.Authorization/*/read", "Microsoft.KeyVault/vaults/*/read"),
        data_actions=("Microsoft.KeyVault/vaults/secrets/*",),
    ),
    _builtin(
        "4633458b-17de-408a-b874-0445c86b69e6",
        "Key Vault Secrets User",
        (),
        data_actions=(
            "Microsoft.KeyVault/vaults/secrets/getSecret/action",
            "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
        ),
    ),
    _builtin(
        "1c0163c0-47e6-4577-8991-ea5c82e286e4",
        "Virtual Machine Administrator Login",
        ("Microsoft.Network/publicIPAddresses/read",),
    ),
)


class RoleCatalog:
    """Role definitions by GUID and by name; exports override the bundled table."""

    def __init__(self) -> None:
        self._by_id: dict[str, RoleDefinition] = {}
        self._by_name: dict[str, RoleDefinition] = {}
        for role in BUILTIN_ROLES:
            self.add(role)

    def add(self, role: RoleDefinition) -> None:
        self._by_id[role.role_id] = role
        self._by_name[role.name.lower()] = role

    def resolve(self, role_definition_id: str, role_name: str) -> RoleDefinition | None:
        """Find a role by the id's GUID first, then by its display name."""
        if role_definition_id:
            found = self._by_id.get(role_guid(role_definition_id))
            if found is not None:
                return found
        return self._by_name.get(role_name.lower()) if role_name else None
