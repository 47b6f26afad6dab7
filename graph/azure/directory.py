"""Graph stage, Azure: principals from Entra, identity and resource exports."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graph.azure.federation import FederatedCredential, parse_credential
from graph.azure.recognize import body_of, directory_type, items_of
from graph.azure.scopes import normalize_scope, scope_key, subscription_of
from graph.load import Inventory
from graph.model import CoverageGap, Evidence, NodeKind

logger = logging.getLogger(__name__)

_KINDS = {
    "user": NodeKind.USER,
    "group": NodeKind.GROUP,
    "foreigngroup": NodeKind.GROUP,
    "serviceprincipal": NodeKind.SERVICE_PRINCIPAL,
    "application": NodeKind.APP_REGISTRATION,
    "managedidentity": NodeKind.MANAGED_IDENTITY,
}
# A richer source may turn a service principal into a managed identity.
_RANK = {NodeKind.SERVICE_PRINCIPAL: 0, NodeKind.MANAGED_IDENTITY: 1}
_FIC_SEGMENT = "/federatedidentitycredentials/"
_VM_TYPE = "microsoft.compute/virtualmachines"
_USER_ASSIGNED = "/microsoft.managedidentity/userassignedidentities/"


@dataclass(slots=True)
class PrincipalRecord:
    """What the exports say about one principal, before it becomes a node."""

    node_id: str
    kind: NodeKind
    name: str = ""
    container_scope: str = ""
    placeholder: bool = False
    source: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Ownership:
    """``owner_id`` owns ``target_id`` (an app or service principal)."""

    owner_id: str
    target_id: str
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class ComputeResource:
    """A resource that runs as managed identities (a VM, a web app, ...)."""

    resource_id: str
    resource_type: str
    identity_ids: tuple[str, ...]
    document: str


@dataclass(slots=True)
class Directory:
    """Every principal record, plus memberships, owners and federated credentials."""

    records: dict[str, PrincipalRecord] = field(default_factory=dict)
    memberships: dict[tuple[str, str], Evidence] = field(default_factory=dict)
    owners: list[Ownership] = field(default_factory=list)
    credentials: list[tuple[FederatedCredential, Evidence]] = field(
        default_factory=list
    )
    resources: list[ComputeResource] = field(default_factory=list)
    identity_by_resource: dict[str, str] = field(default_factory=dict)
    sp_by_app_id: dict[str, str] = field(default_factory=dict)
    app_by_app_id: dict[str, str] = field(default_factory=dict)
    tenant_ids: set[str] = field(default_factory=set)
    gaps: list[CoverageGap] = field(default_factory=list)

    def record(
        self,
        node_id: str,
        kind: NodeKind,
        *,
        name: str = "",
        placeholder: bool = False,
    ) -> PrincipalRecord:
        """Return the record of ``node_id``, creating or enriching it."""
        found = self.records.get(node_id)
        if found is None:
            found = PrincipalRecord(node_id, kind, name=name, placeholder=placeholder)
            self.records[node_id] = found
            return found
        if found.placeholder and not placeholder:
            found.kind, found.placeholder = kind, False
        elif _RANK.get(kind, -1) > _RANK.get(found.kind, -1) >= 0:
            found.kind = kind
        if name and not found.name:
            found.name = name
        return found

    def identity_node(self, resource_id: str) -> str:
        """The node id of a user-assigned identity named by its ARM id."""
        key = scope_key(resource_id)
        return self.identity_by_resource.get(key, normalize_scope(resource_id))

    def service_principal_of_app(self, app_id: str, app_node_id: str) -> str:
        return self.sp_by_app_id.get(app_id.lower(), app_node_id)


def read_directory(inventory: Inventory) -> Directory:
    """Collect principal records from every Azure identity-bearing document."""
    directory = Directory()
    for document in inventory.of_kind("azure.identities"):
        for item in items_of(document.data) or []:
            _read_identity(directory, item, document.path)
    for document in inventory.of_kind("azure.resources"):
        for item in items_of(document.data) or []:
            _read_resource(directory, item, document.path)
    for document in inventory.of_kind("azure.directory"):
        for item in items_of(document.data) or []:
            _read_directory_object(directory, item, document.path)
    for document in inventory.of_kind("azure.federated_credentials"):
        for item in items_of(document.data) or []:
            _read_identity_credential(directory, item, document.path)
    return directory


def object_id(item: Mapping[str, Any]) -> str:
    value = item.get("id") or item.get("objectId") or ""
    return str(value).lower()


def _read_identity(directory: Directory, item: Mapping[str, Any], path: str) -> None:
    """A user-assigned identity: node id is its object id, resource id kept."""
    body = body_of(item)
    resource_id = normalize_scope(str(item.get("id", "")))
    node_id = str(body.get("principalId") or resource_id).lower()
    if not resource_id.strip("/"):
        return
    directory.identity_by_resource[scope_key(resource_id)] = node_id
    record = directory.record(
        node_id, NodeKind.MANAGED_IDENTITY, name=str(item.get("name", ""))
    )
    record.container_scope = subscription_of(resource_id)
    record.tags.update(_tag_map(item.get("tags")))
    record.attributes.update(
        resource_id=resource_id,
        client_id=str(body.get("clientId", "")),
        identity_type="user_assigned",
    )
    if body.get("tenantId"):
        directory.tenant_ids.add(str(body["tenantId"]).lower())
    evidence = Evidence(path, resource_id, "user-assigned identity")
    for credential in body.get("federatedIdentityCredentials") or []:
        if isinstance(credential, dict):
            parsed = parse_credential(credential, node_id)
            directory.credentials.append((parsed, evidence))


def _read_resource(directory: Directory, item: Mapping[str, Any], path: str) -> None:
    """A resource carrying identities (system- and user-assigned)."""
    resource_id = normalize_scope(str(item.get("id", "")))
    identity = item.get("identity") or {}
    carried = []
    if identity.get("principalId"):
        node_id = str(identity["principalId"]).lower()
        name = f"{item.get('name', resource_id)} (system-assigned)"
        record = directory.record(node_id, NodeKind.MANAGED_IDENTITY, name=name)
        record.container_scope = subscription_of(resource_id)
        record.attributes.update(
            resource_id=resource_id, identity_type="system_assigned"
        )
        carried.append(node_id)
    for attached, detail in (identity.get("userAssignedIdentities") or {}).items():
        principal_id = (
            (detail or {}).get("principalId") if isinstance(detail, dict) else ""
        )
        if principal_id:
            directory.identity_by_resource[scope_key(attached)] = principal_id.lower()
        carried.append(directory.identity_node(attached))
    resource_type = str(item.get("type") or "").lower()
    if carried:
        directory.resources.append(
            ComputeResource(resource_id, resource_type, tuple(carried), path)
        )


def _read_directory_object(
    directory: Directory,
    item: Mapping[str, Any],
    path: str,
) -> None:
    """A user, group, service principal or application record."""
    kind_name = directory_type(item)
    node_id = object_id(item)
    kind = _KINDS[kind_name]
    if kind_name == "serviceprincipal" and item.get("servicePrincipalType") == (
        "ManagedIdentity"
    ):
        kind = NodeKind.MANAGED_IDENTITY
    name = str(item.get("displayName") or item.get("userPrincipalName") or "")
    record = directory.record(node_id, kind, name=name)
    record.source = record.source or path
    _copy_attributes(record, item)
    if kind_name == "serviceprincipal":
        _read_service_principal(directory, record, item)
    if kind_name == "application" and item.get("appId"):
        directory.app_by_app_id[str(item["appId"]).lower()] = node_id
    if kind_name in {"serviceprincipal", "application"}:
        keys = _access_keys(item)
        if keys:
            # TODO: Graph exports carry no secret sign-in data — last_used stays None.
            record.attributes["access_keys"] = keys
        _read_owners(directory, node_id, item, path)
    if kind_name == "application":
        evidence = Evidence(path, node_id, f"application {name}")
        credentials = item.get("federatedIdentityCredentials")
        for credential in credentials if isinstance(credentials, list) else []:
            if isinstance(credential, dict):
                directory.credentials.append(
                    (parse_credential(credential, node_id), evidence)
                )
    _read_memberships(directory, node_id, item, path)


def _copy_attributes(record: PrincipalRecord, item: Mapping[str, Any]) -> None:
    wanted = (
        "appId",
        "userPrincipalName",
        "userType",
        "servicePrincipalType",
        "appOwnerOrganizationId",
        "membershipRule",
        "groupTypes",
        "accountEnabled",
    )
    for key in wanted:
        if key in item and item[key] is not None:
            record.attributes[key] = item[key]


def _read_service_principal(
    directory: Directory,
    record: PrincipalRecord,
    item: Mapping[str, Any],
) -> None:
    """App id index, and the resource a managed identity belongs to."""
    if item.get("appId"):
        directory.sp_by_app_id[str(item["appId"]).lower()] = record.node_id
    names = item.get("alternativeNames")
    for name in names if isinstance(names, list) else []:
        if not isinstance(name, str) or not name.lower().startswith("/subscriptions/"):
            continue
        resource_id = normalize_scope(name)
        record.attributes.setdefault("resource_id", resource_id)
        record.container_scope = subscription_of(name)
        if _USER_ASSIGNED in name.lower():
            directory.identity_by_resource.setdefault(scope_key(name), record.node_id)
            record.attributes.setdefault("identity_type", "user_assigned")
            continue
        # A system-assigned identity is named after the resource that carries it.
        record.attributes.setdefault("identity_type", "system_assigned")
        resource_type = _resource_type(resource_id)
        directory.resources.append(
            ComputeResource(
                resource_id, resource_type, (record.node_id,), record.source
            )
        )


def _access_keys(item: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Client secrets and certificates as ``access_keys`` rows."""
    keys = []
    for field_name, key_type in (
        ("passwordCredentials", "client_secret"),
        ("keyCredentials", "certificate"),
    ):
        entries = item.get(field_name)
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict):
                continue
            keys.append(
                {
                    "id": str(entry.get("keyId") or entry.get("displayName") or ""),
                    "status": "Active",
                    "created": entry.get("startDateTime") or entry.get("startDate"),
                    "last_used": None,
                    "expires": entry.get("endDateTime") or entry.get("endDate"),
                    "type": key_type,
                }
            )
    return keys


def _read_owners(
    directory: Directory,
    target_id: str,
    item: Mapping[str, Any],
    path: str,
) -> None:
    """``owners`` of an app or service principal (Graph ``$expand`` shape)."""
    for owner in item.get("owners") or []:
        if not isinstance(owner, dict) or not object_id(owner):
            continue
        kind = _KINDS.get(directory_type(owner), NodeKind.USER)
        owner_name = str(
            owner.get("displayName") or owner.get("userPrincipalName") or ""
        )
        directory.record(object_id(owner), kind, name=owner_name, placeholder=True)
        evidence = Evidence(path, target_id, f"owner {owner_name or object_id(owner)}")
        directory.owners.append(Ownership(object_id(owner), target_id, evidence))


def _read_memberships(
    directory: Directory,
    node_id: str,
    item: Mapping[str, Any],
    path: str,
) -> None:
    """Group ``members`` and a member's ``memberOf`` / ``transitiveMemberOf``."""
    members = item.get("members")
    for member in members if isinstance(members, list) else []:
        if isinstance(member, dict) and object_id(member):
            kind = _KINDS.get(directory_type(member), NodeKind.USER)
            directory.record(object_id(member), kind, placeholder=True)
            evidence = Evidence(path, node_id, "group members")
            directory.memberships[(object_id(member), node_id)] = evidence
    for field_name in ("memberOf", "transitiveMemberOf"):
        groups = item.get(field_name)
        for group in groups if isinstance(groups, list) else []:
            if isinstance(group, dict) and directory_type(group) == "group":
                name = str(group.get("displayName") or "")
                directory.record(object_id(group), NodeKind.GROUP, name=name)
                evidence = Evidence(path, node_id, field_name)
                directory.memberships[(node_id, object_id(group))] = evidence


def _read_identity_credential(
    directory: Directory,
    item: Mapping[str, Any],
    path: str,
) -> None:
    """A managed identity's credential; its parent comes from the item id."""
    item_id = str(item.get("id") or "")
    cut = item_id.lower().find(_FIC_SEGMENT)
    if cut < 0:
        reason = "federated credential without its parent identity"
        directory.gaps.append(CoverageGap(path, "unlinked", f"{reason}: {item_id}"))
        logger.warning("%s: %s %s", path, reason, item_id)
        return
    parent = directory.identity_node(item_id[:cut])
    if parent not in directory.records:
        record = directory.record(parent, NodeKind.MANAGED_IDENTITY, placeholder=True)
        record.attributes.setdefault("resource_id", normalize_scope(item_id[:cut]))
        record.container_scope = subscription_of(item_id)
    evidence = Evidence(path, normalize_scope(item_id), "federated identity credential")
    directory.credentials.append((parse_credential(item, parent), evidence))


def _tag_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items()}


def _resource_type(resource_id: str) -> str:
    """``namespace/type`` of an ARM resource id, lower-case."""
    parts = resource_id.lower().split("/providers/", 1)[-1].split("/")
    return "/".join(parts[:2]) if len(parts) >= 2 else ""


def is_vm(resource: ComputeResource) -> bool:
    return resource.resource_type == _VM_TYPE or (
        "/providers/microsoft.compute/virtualmachines/" in resource.resource_id.lower()
    )
