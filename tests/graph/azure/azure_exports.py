"""Keyword-only builders of native Azure export files for tests."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

TENANT = "cccccccc-0000-0000-0000-000000000000"
SUB_A = "/subscriptions/aaaaaaaa-0000-0000-0000-000000000001"
SUB_B = "/subscriptions/bbbbbbbb-0000-0000-0000-000000000002"
DEFINITIONS = "/providers/Microsoft.Authorization/roleDefinitions"
ROLE_IDS = {
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "Managed Identity Operator": "f1a07417-d97a-45cb-824c-7a7467783830",
    "Managed Identity Contributor": "e40ec5ca-96e0-45a2-b4ff-59039f2c2b59",
    "Virtual Machine Contributor": "9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
    "Website Contributor": "de139f84-1756-47ae-9be6-808fbbe84772",
}


def assignment(
    *,
    principal: str,
    role: str,
    scope: str,
    principal_type: str = "User",
    role_id: str = "",
    condition: str | None = None,
) -> dict[str, Any]:
    """One item of ``az role assignment list --all``."""
    guid = role_id or ROLE_IDS.get(role, "")
    name = hashlib.sha256(f"{principal}{role}{scope}".encode()).hexdigest()[:12]
    return {
        "condition": condition,
        "conditionVersion": "2.0" if condition else None,
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}",
        "name": name,
        "principalId": principal,
        "principalName": principal,
        "principalType": principal_type,
        "roleDefinitionId": f"{DEFINITIONS}/{guid}",
        "roleDefinitionName": role,
        "scope": scope,
        "type": "Microsoft.Authorization/roleAssignments",
    }


def identity(
    *, name: str, subscription: str, group: str, principal: str
) -> dict[str, Any]:
    """One item of ``az identity list``."""
    return {
        "clientId": principal.replace("4", "5"),
        "id": (
            f"{subscription}/resourcegroups/{group}/providers"
            f"/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
        ),
        "location": "westeurope",
        "name": name,
        "principalId": principal,
        "resourceGroup": group,
        "tags": {},
        "tenantId": TENANT,
        "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
    }


def deny(
    *,
    scope: str,
    actions: list[str],
    principals: list[str],
    not_actions: list[str] | None = None,
) -> dict[str, Any]:
    """One item of an ARM ``denyAssignments`` list."""
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/denyAssignments/d1",
        "name": "d1",
        "type": "Microsoft.Authorization/denyAssignments",
        "properties": {
            "denyAssignmentName": "locked by the platform",
            "permissions": [
                {
                    "actions": actions,
                    "notActions": not_actions or [],
                    "dataActions": [],
                    "notDataActions": [],
                }
            ],
            "scope": scope,
            "doNotApplyToChildScopes": False,
            "principals": [{"id": p, "type": "User"} for p in principals],
            "excludePrincipals": [],
            "isSystemProtected": True,
        },
    }


def write_exports(folder: Path, **files: Any) -> Path:
    """Write each keyword as ``<name>.json`` and return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / f"{name}.json").write_text(json.dumps(content), encoding="utf-8")
    return folder
