"""Load stage, Azure: recognise az CLI, ARM REST and Graph exports by content."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graph.load import Recognizer

MG_TYPES = {
    "microsoft.management/managementgroups",
    "/providers/microsoft.management/managementgroups",
}
_ELIGIBILITY_TYPES = (
    "roleeligibilityscheduleinstances",
    "roleeligibilityschedules",
    "roleeligibilityschedulerequests",
)
_DIRECTORY_TYPES = {"user", "group", "serviceprincipal", "application"}


def items_of(data: Any) -> list[Any] | None:
    """The records of a bare list or an ARM / Graph ``{"value": [...]}`` page."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("value"), list):
        return data["value"]  # type: ignore[no-any-return]
    return None


def body_of(item: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ARM ``properties`` object when present, else the flat item."""
    inner = item.get("properties")
    return inner if isinstance(inner, dict) else item


def type_of(item: Mapping[str, Any]) -> str:
    value = item.get("type")
    return value.lower() if isinstance(value, str) else ""


def _every(predicate: Callable[[Mapping[str, Any]], bool]) -> Callable[[Any], bool]:
    def match(data: Any) -> bool:
        found = items_of(data)
        if not found:
            return False
        return all(isinstance(i, dict) and predicate(i) for i in found)

    return match


def is_eligibility(item: Mapping[str, Any]) -> bool:
    kind = type_of(item)
    item_id = str(item.get("id", "")).lower()
    return any(kind.endswith(t) or f"/{t}/" in item_id for t in _ELIGIBILITY_TYPES)


def _assignment(item: Mapping[str, Any]) -> bool:
    body = body_of(item)
    role = "roleDefinitionId" in body or "roleDefinitionName" in body
    principal = "principalId" in body or "principalName" in body
    return role and principal and "scope" in body and not is_eligibility(item)


def _eligibility(item: Mapping[str, Any]) -> bool:
    body = body_of(item)
    return is_eligibility(item) and "principalId" in body and "roleDefinitionId" in body


def _definition(item: Mapping[str, Any]) -> bool:
    body = body_of(item)
    return "roleName" in body and "permissions" in body


def _deny(item: Mapping[str, Any]) -> bool:
    body = body_of(item)
    return "denyAssignmentName" in body or (
        type_of(item) == "microsoft.authorization/denyassignments"
    )


def _identity(item: Mapping[str, Any]) -> bool:
    return type_of(item) == "microsoft.managedidentity/userassignedidentities"


def _federated_credential(item: Mapping[str, Any]) -> bool:
    body = body_of(item)
    if type_of(item).endswith("/federatedidentitycredentials"):
        return True
    return "issuer" in body and (
        "subject" in body or "claimsMatchingExpression" in body
    )


def directory_type(item: Mapping[str, Any]) -> str:
    """``user``, ``group``, ``serviceprincipal``, ``application`` or ``""``."""
    odata = item.get("@odata.type") or item.get("objectType") or ""
    if isinstance(odata, str) and odata:
        name = odata.rsplit(".", 1)[-1].lower()
        return name if name in _DIRECTORY_TYPES else ""
    if "servicePrincipalType" in item or "appOwnerOrganizationId" in item:
        return "serviceprincipal"
    if "userPrincipalName" in item:
        return "user"
    if "securityEnabled" in item or "groupTypes" in item:
        return "group"
    if "appId" in item and ("signInAudience" in item or "publisherDomain" in item):
        return "application"
    return ""


def _directory(item: Mapping[str, Any]) -> bool:
    return bool(directory_type(item)) and ("id" in item or "objectId" in item)


def _directory_role(item: Mapping[str, Any]) -> bool:
    return "roleTemplateId" in item


def _directory_role_assignment(item: Mapping[str, Any]) -> bool:
    fields = ("principalId", "roleDefinitionId", "directoryScopeId")
    return all(k in item for k in fields)


def _management_group(item: Mapping[str, Any]) -> bool:
    return type_of(item) in MG_TYPES


def _is_management_groups(data: Any) -> bool:
    if isinstance(data, dict) and _management_group(data):
        return True
    return _every(_management_group)(data)


def _subscription(item: Mapping[str, Any]) -> bool:
    if "subscriptionId" in item and "displayName" in item:
        return True
    markers = ("cloudName", "isDefault", "homeTenantId")
    return "tenantId" in item and "id" in item and any(k in item for k in markers)


def _resource_group(item: Mapping[str, Any]) -> bool:
    return type_of(item) == "microsoft.resources/resourcegroups"


def _resource(item: Mapping[str, Any]) -> bool:
    """A resource listing with an ``identity`` field (null when it has none)."""
    identity = item.get("identity", False)
    carried = identity is None or isinstance(identity, dict)
    return "/providers/" in str(item.get("id", "")) and carried


RECOGNIZERS = (
    Recognizer("azure.role_assignments", _every(_assignment)),
    Recognizer("azure.role_eligibilities", _every(_eligibility)),
    Recognizer("azure.role_definitions", _every(_definition)),
    Recognizer("azure.deny_assignments", _every(_deny)),
    Recognizer("azure.identities", _every(_identity)),
    Recognizer("azure.federated_credentials", _every(_federated_credential)),
    Recognizer("azure.directory", _every(_directory)),
    Recognizer("azure.directory_roles", _every(_directory_role)),
    Recognizer(
        "azure.directory_role_assignments",
        _every(_directory_role_assignment),
    ),
    Recognizer("azure.management_groups", _is_management_groups),
    Recognizer("azure.subscriptions", _every(_subscription)),
    Recognizer("azure.resource_groups", _every(_resource_group)),
    Recognizer("azure.resources", _every(_resource)),
)
