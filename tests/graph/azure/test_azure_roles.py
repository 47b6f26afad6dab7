"""Azure action matching, role definitions and the bundled built-in table."""

from __future__ import annotations

import pytest

from graph.azure.roles import (
    IDENTITY_ASSIGN,
    ROLE_ASSIGNMENT_WRITE,
    RoleCatalog,
    matches_any,
    parse_role_definition,
)


@pytest.mark.parametrize(
    ("patterns", "action", "expected"),
    [
        (("*",), ROLE_ASSIGNMENT_WRITE, True),
        (("*/read",), "Microsoft.Compute/virtualMachines/read", True),
        (("*/read",), "Microsoft.Compute/virtualMachines/write", False),
        (("Microsoft.Authorization/*/Write",), ROLE_ASSIGNMENT_WRITE, True),
        (
            ("microsoft.authorization/roleassignments/WRITE",),
            ROLE_ASSIGNMENT_WRITE,
            True,
        ),
        (
            ("Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",),
            IDENTITY_ASSIGN,
            True,
        ),
        ((), ROLE_ASSIGNMENT_WRITE, False),
    ],
)
def test_matches_any(patterns: tuple[str, ...], action: str, expected: bool) -> None:
    assert matches_any(patterns, action) is expected


@pytest.mark.parametrize(
    ("name", "can_write_assignments", "privileged"),
    [
        ("Owner", True, True),
        ("Contributor", False, True),
        ("Reader", False, False),
        ("User Access Administrator", True, True),
        ("Role Based Access Control Administrator", True, True),
        ("Managed Identity Operator", False, True),
        ("Key Vault Secrets User", False, True),
    ],
)
def test_builtin_roles(
    name: str, can_write_assignments: bool, privileged: bool
) -> None:
    role = RoleCatalog().resolve("", name)

    assert role is not None
    assert role.allows(ROLE_ASSIGNMENT_WRITE) is can_write_assignments
    assert role.privileged is privileged


def test_az_and_arm_definitions_parse_alike() -> None:
    permissions = [{"actions": ["*"], "notActions": ["Microsoft.Authorization/*"]}]
    flat = {
        "name": "0ddba11-0000",
        "roleName": "Almost Owner",
        "roleType": "CustomRole",
        "permissions": permissions,
    }
    arm = {
        "id": "/providers/Microsoft.Authorization/roleDefinitions/0ddba11-0000",
        "name": "0ddba11-0000",
        "properties": {
            "roleName": "Almost Owner",
            "type": "CustomRole",
            "permissions": permissions,
        },
    }

    parsed = [parse_role_definition(flat), parse_role_definition(arm)]

    assert parsed[0] == parsed[1]
    assert parsed[0] is not None and parsed[0].custom
    assert not parsed[0].allows(ROLE_ASSIGNMENT_WRITE)
    assert parsed[0].allows("Microsoft.Compute/virtualMachines/write")


def test_exported_definition_overrides_the_bundled_one_by_guid() -> None:
    catalog = RoleCatalog()
    exported = parse_role_definition(
        {
            "name": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
            "roleName": "Reader",
            "permissions": [{"actions": ["*"]}],
        }
    )
    assert exported is not None
    catalog.add(exported)

    found = catalog.resolve(
        "/providers/Microsoft.Authorization/roleDefinitions/ACDD72A7-3385-48ef-bd42-f606fba81ae7",
        "",
    )

    assert found is not None and found.allows(ROLE_ASSIGNMENT_WRITE)
