"""Azure export shapes are recognised by content, whatever the file name."""

from __future__ import annotations

from typing import Any

import pytest

from graph.load import recognize

SUB = "/subscriptions/aaaaaaaa-0000-0000-0000-000000000001"
MG = "/providers/Microsoft.Management/managementGroups"
ASSIGNMENT = {
    "principalId": "p",
    "principalType": "User",
    "roleDefinitionId": "r",
    "roleDefinitionName": "Reader",
    "scope": SUB,
}
ELIGIBILITY_TYPE = "Microsoft.Authorization/roleEligibilityScheduleInstances"
VM = "Microsoft.Compute/virtualMachines"
MI_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        ([ASSIGNMENT], "azure.role_assignments"),
        ({"value": [{"id": "x", "properties": ASSIGNMENT}]}, "azure.role_assignments"),
        (
            {
                "value": [
                    {
                        "id": f"{SUB}/providers/Microsoft.Authorization"
                        "/roleEligibilityScheduleInstances/1",
                        "type": ELIGIBILITY_TYPE,
                        "properties": ASSIGNMENT,
                    }
                ]
            },
            "azure.role_eligibilities",
        ),
        ([{"roleName": "Reader", "permissions": []}], "azure.role_definitions"),
        (
            {"value": [{"properties": {"denyAssignmentName": "d", "permissions": []}}]},
            "azure.deny_assignments",
        ),
        ([{"id": f"{SUB}/x", "type": MI_TYPE, "principalId": "p"}], "azure.identities"),
        (
            [{"issuer": "https://i", "subject": "s", "audiences": []}],
            "azure.federated_credentials",
        ),
        ({"value": [{"id": "u", "userPrincipalName": "a@b"}]}, "azure.directory"),
        ([{"objectId": "s", "objectType": "ServicePrincipal"}], "azure.directory"),
        (
            {"value": [{"id": "r", "roleTemplateId": "t", "members": []}]},
            "azure.directory_roles",
        ),
        (
            {
                "value": [
                    {
                        "principalId": "p",
                        "roleDefinitionId": "t",
                        "directoryScopeId": "/",
                    }
                ]
            },
            "azure.directory_role_assignments",
        ),
        (
            {"id": f"{MG}/root", "type": "Microsoft.Management/managementGroups"},
            "azure.management_groups",
        ),
        (
            [{"id": "a", "tenantId": "t", "isDefault": True, "name": "s"}],
            "azure.subscriptions",
        ),
        (
            [
                {
                    "id": f"{SUB}/resourceGroups/rg",
                    "type": "Microsoft.Resources/resourceGroups",
                }
            ],
            "azure.resource_groups",
        ),
        (
            [
                {
                    "id": f"{SUB}/resourceGroups/rg/providers/Microsoft.Web/sites/a",
                    "identity": {},
                }
            ],
            "azure.resources",
        ),
        (
            [
                {"id": f"{SUB}/resourceGroups/rg/providers/{VM}/a", "identity": None},
                {"id": f"{SUB}/resourceGroups/rg/providers/{VM}/b", "identity": {}},
            ],
            "azure.resources",
        ),
    ],
)
def test_shapes(data: Any, kind: str) -> None:
    assert recognize(data) == kind


@pytest.mark.parametrize(
    "data",
    [[], {"value": []}, [{"principalId": "p"}], {"RoleDetailList": []}, [1, 2]],
)
def test_not_azure(data: Any) -> None:
    assert not str(recognize(data)).startswith("azure.")
