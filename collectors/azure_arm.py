"""Collect stage, Azure: read the ARM scope tree, role grants and identities."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from azure.core.credentials import TokenCredential
from azure.core.exceptions import HttpResponseError
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.managementgroups import ManagementGroupsMgmtClient
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.subscriptions import SubscriptionClient

from collectors.azure_calls import (
    NOT_FOUND,
    GapRecorder,
    error_code,
    raw_items,
    raw_object,
)
from collectors.snapshot import SnapshotWriter

logger = logging.getLogger(__name__)

MG_TYPE = "microsoft.management/managementgroups"
CUSTOM_ROLES = "type eq 'CustomRole'"
BUILT_IN_ROLES = "type eq 'BuiltInRole'"
# Any subscription id serves the scope-addressed authorization calls.
_NO_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True, slots=True)
class ArmClients:
    """Builds ARM clients that share one credential, endpoint and retry policy."""

    credential: TokenCredential
    endpoint: str
    verify: str | bool = True
    max_attempts: int = 6
    backoff: float = 0.8
    user_agent: str = ""

    def _options(self) -> dict[str, Any]:
        return {
            "base_url": self.endpoint,
            "credential_scopes": [f"{self.endpoint.rstrip('/')}/.default"],
            "connection_verify": self.verify,
            # azure-core's RetryPolicy: 408/429/5xx and dropped connections.
            "retry_total": max(0, self.max_attempts - 1),
            "retry_backoff_factor": self.backoff,
            "user_agent": self.user_agent,
        }

    def subscriptions(self) -> SubscriptionClient:
        return SubscriptionClient(self.credential, **self._options())

    def management_groups(self) -> ManagementGroupsMgmtClient:
        return ManagementGroupsMgmtClient(self.credential, **self._options())

    def resources(self, subscription_id: str) -> ResourceManagementClient:
        return ResourceManagementClient(
            self.credential,
            subscription_id,
            **self._options(),
        )

    def authorization(
        self,
        subscription_id: str = _NO_SUBSCRIPTION,
    ) -> AuthorizationManagementClient:
        return AuthorizationManagementClient(
            self.credential,
            subscription_id,
            **self._options(),
        )

    def identities(self, subscription_id: str) -> ManagedServiceIdentityClient:
        return ManagedServiceIdentityClient(
            self.credential,
            subscription_id,
            **self._options(),
        )


# Listings whose items made above a subscription are written once, tenant-wide.
TABLES = ("role_assignments", "role_eligibilities", "deny_assignments")
# How ARM answers PIM calls in a tenant without PIM: nothing is eligible there.
_NO_PIM_CODE = "AadPremiumLicenseRequired"
_NO_PIM_MESSAGE = "not onboarded to pim"


@dataclass(slots=True)
class AboveSubscriptions:
    """Grants at management groups or the root, seen once however often listed,
    and the groups that any grant names (their members are read later)."""

    tables: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {table: {} for table in TABLES}
    )
    groups: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def keep(self, table: str, items: Iterable[dict[str, Any]]) -> None:
        found = self.tables[table]
        with self._lock:
            for item in items:
                found.setdefault(str(item.get("id", "")).lower(), item)

    def note_groups(self, items: Iterable[dict[str, Any]]) -> None:
        """Remember the groups that role assignments are made to."""
        named = {
            str(body.get("principalId", "")).lower()
            for body in (item.get("properties") or {} for item in items)
            if str(body.get("principalType", "")).lower() == "group"
        }
        with self._lock:
            self.groups.update(named - {""})

    def write(self, writer: SnapshotWriter) -> None:
        for table, found in self.tables.items():
            relative = f"azure/tenant/{table}.above_subscriptions.json"
            write_list(writer, relative, list(found.values()))


def write_list(writer: SnapshotWriter, relative: str, items: list[Any]) -> None:
    """An ARM-style ``{"value": [...]}`` page holding every page's items.

    Empty lists are not written: the loader recognises a file by its items.
    """
    if items:
        writer.write_json(relative, {"value": items})


@dataclass(frozen=True, slots=True)
class GroupTree:
    """What the management-group tree names: group scopes and subscription ids."""

    groups: tuple[str, ...] = ()
    subscriptions: tuple[str, ...] = ()


def read_management_groups(
    clients: ArmClients,
    tenant_id: str,
    writer: SnapshotWriter,
    recorder: GapRecorder,
) -> GroupTree:
    """The tenant's group tree: from its root group, else group by group."""
    with clients.management_groups() as client:
        return _read_tree(client, tenant_id, writer, recorder)


def _read_tree(
    client: ManagementGroupsMgmtClient,
    tenant_id: str,
    writer: SnapshotWriter,
    recorder: GapRecorder,
) -> GroupTree:
    root = GapRecorder(recorder.scope)
    tree = root.call(
        f"managementGroups/{tenant_id} get (children, recursive)",
        partial(
            raw_object,
            partial(
                client.management_groups.get,
                tenant_id,
                expand="children",
                recurse=True,
            ),
        ),
    )
    if tree:
        writer.write_json("azure/tenant/management_groups.json", tree)
        return _tree_of([tree])

    # The root group is often unreadable; the groups below it may not be.
    groups = _visible_groups(client, recorder)
    detail = root.gaps[0].detail if root.gaps else "root group answered nothing"
    if groups:
        detail += f"; tree built from {len(groups)} visible groups"
    recorder.record(root.gaps[0].reason if root.gaps else NOT_FOUND, detail)
    if not groups:
        return GroupTree()
    write_list(writer, "azure/tenant/management_groups.json", groups)
    return _tree_of(groups)


def _visible_groups(
    client: ManagementGroupsMgmtClient,
    recorder: GapRecorder,
) -> list[dict[str, Any]]:
    """Every group the caller can list, each with its parent and children."""
    listed = recorder.call(
        "managementGroups list",
        partial(raw_items, client.management_groups.list),
    )
    groups = []
    for item in listed or []:
        name = str(item.get("name", ""))
        found = recorder.call(
            f"managementGroups/{name} get (children)",
            partial(
                raw_object,
                partial(client.management_groups.get, name, expand="children"),
            ),
        )
        if found:
            groups.append(found)
    return groups


def _tree_of(items: list[dict[str, Any]]) -> GroupTree:
    groups: list[str] = []
    subscriptions: list[str] = []
    for item in items:
        _walk(item, groups, subscriptions)
    return GroupTree(tuple(sorted(set(groups))), tuple(dict.fromkeys(subscriptions)))


def _walk(item: dict[str, Any], groups: list[str], subscriptions: list[str]) -> None:
    """Children are flat items; the root keeps its own under ``properties``."""
    item_id = str(item.get("id", ""))
    if str(item.get("type", "")).lower().lstrip("/") == MG_TYPE:
        groups.append(item_id)
    elif item_id.lower().startswith("/subscriptions/"):
        subscriptions.append(item_id.split("/")[2].lower())
    body = item.get("properties")
    for child in (body if isinstance(body, dict) else item).get("children") or []:
        if isinstance(child, dict):
            _walk(child, groups, subscriptions)


def read_subscriptions(
    clients: ArmClients,
    tenant_id: str,
    writer: SnapshotWriter,
    recorder: GapRecorder,
) -> list[dict[str, Any]] | None:
    """Subscriptions of ``tenant_id`` the caller can see; None when unreadable."""
    with clients.subscriptions() as client:
        listed = recorder.call(
            "subscriptions list",
            partial(raw_items, client.subscriptions.list),
        )
    if listed is None:
        return None
    # The caller may see subscriptions of other tenants too.
    mine = [s for s in listed if str(s.get("tenantId", "")).lower() == tenant_id]
    write_list(writer, "azure/tenant/subscriptions.json", mine)
    return mine


def read_group_assignments(
    clients: ArmClients,
    group_scopes: tuple[str, ...],
    recorder: GapRecorder,
    above: AboveSubscriptions,
) -> None:
    """Role assignments made at each management group (not its children's)."""
    with clients.authorization() as client:
        for scope in group_scopes:
            found = recorder.call(
                f"roleAssignments at {scope}",
                partial(
                    raw_items,
                    partial(
                        client.role_assignments.list_for_scope,
                        scope,
                        filter="atScope()",
                    ),
                ),
            )
            above.keep("role_assignments", found or [])
            above.note_groups(found or [])


def read_built_in_roles(
    clients: ArmClients,
    subscription_ids: list[str],
    writer: SnapshotWriter,
    recorder: GapRecorder,
) -> None:
    """Built-in role definitions, once: from the first subscription that answers."""
    quiet = GapRecorder(recorder.scope)
    for subscription_id in subscription_ids[:3]:
        scope = f"/subscriptions/{subscription_id}"
        with clients.authorization(subscription_id) as client:
            found = quiet.call(
                f"roleDefinitions (built-in) at {scope}",
                partial(
                    raw_items,
                    partial(
                        client.role_definitions.list,
                        scope,
                        filter=BUILT_IN_ROLES,
                    ),
                ),
            )
        if found is not None:
            write_list(writer, "azure/tenant/role_definitions.builtin.json", found)
            return
    if quiet.gaps:
        last = quiet.gaps[-1]
        recorder.record(last.reason, f"built-in roles not read; {last.detail}")


def read_subscription(
    clients: ArmClients,
    subscription_id: str,
    writer: SnapshotWriter,
    recorder: GapRecorder,
    above: AboveSubscriptions,
) -> None:
    """Resource groups, grants, custom roles, identities and their credentials."""
    with ExitStack() as clients_open:
        resources = clients_open.enter_context(clients.resources(subscription_id))
        authorization = clients_open.enter_context(
            clients.authorization(subscription_id)
        )
        identities = clients_open.enter_context(clients.identities(subscription_id))
        _read_subscription(
            subscription_id,
            resources,
            authorization,
            identities,
            writer,
            recorder,
            above,
        )


def _read_subscription(
    subscription_id: str,
    resources: ResourceManagementClient,
    authorization: AuthorizationManagementClient,
    identities: ManagedServiceIdentityClient,
    writer: SnapshotWriter,
    recorder: GapRecorder,
    above: AboveSubscriptions,
) -> None:
    scope = f"/subscriptions/{subscription_id}"
    folder = f"azure/subscriptions/{subscription_id}"
    reads: list[tuple[str, str, Callable[[], list[dict[str, Any]]]]] = [
        (
            "resourceGroups list",
            "resource_groups.json",
            partial(raw_items, resources.resource_groups.list),
        ),
        (
            "roleDefinitions (custom) list",
            "role_definitions.custom.json",
            partial(
                raw_items,
                partial(
                    authorization.role_definitions.list, scope, filter=CUSTOM_ROLES
                ),
            ),
        ),
        (
            "resources list (identity-bearing)",
            "resources.json",
            partial(_carrying_identities, resources),
        ),
    ]
    for operation, name, read in reads:
        found = recorder.call(f"{operation} in {scope}", read)
        write_list(writer, f"{folder}/{name}", found or [])

    _read_grants(authorization, scope, folder, writer, recorder, above)
    _read_identities(identities, scope, folder, writer, recorder)


def _read_grants(
    client: AuthorizationManagementClient,
    scope: str,
    folder: str,
    writer: SnapshotWriter,
    recorder: GapRecorder,
    above: AboveSubscriptions,
) -> None:
    """Role and deny assignments; the inherited ones go to the tenant files."""
    assignments = recorder.call(
        f"roleAssignments list in {scope}",
        partial(raw_items, client.role_assignments.list_for_subscription),
    )
    eligibilities = recorder.call(
        f"roleEligibilityScheduleInstances list in {scope}",
        partial(_eligibilities, client, scope),
    )
    denies = recorder.call(
        f"denyAssignments list in {scope}",
        partial(raw_items, client.deny_assignments.list),
    )
    above.note_groups([*(assignments or []), *(eligibilities or [])])
    for table, found in (
        ("role_assignments", assignments),
        ("role_eligibilities", eligibilities),
        ("deny_assignments", denies),
    ):
        inside, inherited = _split_by_scope(found or [], scope)
        above.keep(table, inherited)
        write_list(writer, f"{folder}/{table}.json", inside)


def _eligibilities(
    client: AuthorizationManagementClient,
    scope: str,
) -> list[dict[str, Any]]:
    """PIM-eligible roles; a tenant without PIM has none, which is no gap."""
    try:
        return raw_items(
            partial(client.role_eligibility_schedule_instances.list_for_scope, scope)
        )
    except HttpResponseError as exc:
        code = error_code(exc)
        without = code == _NO_PIM_CODE or _NO_PIM_MESSAGE in str(exc).lower()
        if exc.status_code == 400 and without:
            logger.info("%s: no PIM in this tenant (%s)", scope, code or exc.reason)
            return []
        raise


def _split_by_scope(
    items: list[dict[str, Any]],
    subscription_scope: str,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Items made in the subscription (or below it), and items inherited from above."""
    prefix = subscription_scope.lower()
    inside, inherited = [], []
    for item in items:
        body = item.get("properties") or {}
        scope = str(body.get("scope") or "").lower().rstrip("/")
        if scope == prefix or scope.startswith(prefix + "/"):
            inside.append(item)
        else:
            inherited.append(item)
    return inside, inherited


def _read_identities(
    client: ManagedServiceIdentityClient,
    scope: str,
    folder: str,
    writer: SnapshotWriter,
    recorder: GapRecorder,
) -> None:
    """User-assigned identities, then each one's federated credentials."""
    found = recorder.call(
        f"userAssignedIdentities list in {scope}",
        partial(raw_items, client.user_assigned_identities.list_by_subscription),
    )
    write_list(writer, f"{folder}/identities.json", found or [])

    credentials: list[dict[str, Any]] = []
    for identity in found or []:
        group, name = _group_and_name(str(identity.get("id", "")))
        listed = recorder.call(
            f"federatedIdentityCredentials of {identity.get('id')}",
            partial(
                raw_items,
                partial(client.federated_identity_credentials.list, group, name),
            ),
        )
        credentials.extend(listed or [])
    write_list(writer, f"{folder}/federated_credentials.json", credentials)


def _carrying_identities(client: ResourceManagementClient) -> list[dict[str, Any]]:
    """Resources that run as managed identities (VMs, apps, ...), as listed."""
    listed = raw_items(client.resources.list)
    return [r for r in listed if r.get("identity")]


def _group_and_name(resource_id: str) -> tuple[str, str]:
    """Resource group and name of an ARM resource id."""
    parts = resource_id.strip("/").split("/")
    lowered = [p.lower() for p in parts]
    group = parts[lowered.index("resourcegroups") + 1]
    return group, parts[-1]
