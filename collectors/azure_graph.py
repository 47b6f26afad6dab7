"""Collect stage, Azure: read Entra apps, principals, groups and roles from Graph.

The SDK's request builders, auth provider and retry middleware make the
calls; answers are read as JSON rather than through the SDK's typed models,
which cost tens of milliseconds per object. Only credential metadata (key id,
name, dates) is written: each record is copied field by field from a fixed
list, so secret text, hints and certificate bodies never reach a file.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx
from azure.core.credentials import TokenCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.request_information import RequestInformation
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from kiota_http.middleware.options import RetryHandlerOption
from msgraph.generated.applications.applications_request_builder import (
    ApplicationsRequestBuilder,
)
from msgraph.generated.groups.item.group_item_request_builder import (
    GroupItemRequestBuilder,
)
from msgraph.generated.groups.item.transitive_members.transitive_members_request_builder import (  # noqa: E501
    TransitiveMembersRequestBuilder,
)
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.role_management.directory.role_assignments.role_assignments_request_builder import (  # noqa: E501
    RoleAssignmentsRequestBuilder,
)
from msgraph.generated.service_principals.service_principals_request_builder import (
    ServicePrincipalsRequestBuilder,
)
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph.graph_service_client import GraphServiceClient
from msgraph_core import GraphClientFactory

from collectors.azure_arm import write_list
from collectors.azure_calls import SDK_ERRORS, GapRecorder, PagingLoop
from collectors.snapshot import SnapshotWriter

logger = logging.getLogger(__name__)

PAGE_SIZE = 999
# Groups read at once (each is one call plus its member pages).
GROUPS_AT_ONCE = 8
# The metadata kept of each credential; the secret text, its hint and the
# certificate body are never among them.
_CREDENTIAL_FIELDS = {
    "passwordCredentials": ("keyId", "displayName", "startDateTime", "endDateTime"),
    "keyCredentials": (
        "keyId",
        "displayName",
        "type",
        "usage",
        "startDateTime",
        "endDateTime",
    ),
}
_ERRORS: dict[str, Any] = {"XXX": ODataError}
_APP_FIELDS = [
    "id",
    "appId",
    "displayName",
    "signInAudience",
    "publisherDomain",
    "passwordCredentials",
    "keyCredentials",
]
_SP_FIELDS = [
    "id",
    "appId",
    "displayName",
    "servicePrincipalType",
    "appOwnerOrganizationId",
    "alternativeNames",
    "accountEnabled",
    "tags",
    "passwordCredentials",
    "keyCredentials",
]
_GROUP_FIELDS = [
    "id",
    "displayName",
    "securityEnabled",
    "mailEnabled",
    "groupTypes",
    "membershipRule",
]
_ROLE_ASSIGNMENT_FIELDS = (
    "id",
    "principalId",
    "roleDefinitionId",
    "directoryScopeId",
    "appScopeId",
)
# TODO: Graph expands at most 20 owners per object — owners past the 20th are
# missing, and with them their add-secret routes.
_OWNER_FIELDS = "$select=id,displayName,userPrincipalName"
_AppQuery = ApplicationsRequestBuilder.ApplicationsRequestBuilderGetQueryParameters
_GroupQuery = GroupItemRequestBuilder.GroupItemRequestBuilderGetQueryParameters
_MemberQuery = (
    TransitiveMembersRequestBuilder.TransitiveMembersRequestBuilderGetQueryParameters
)
_RoleQuery = (
    RoleAssignmentsRequestBuilder.RoleAssignmentsRequestBuilderGetQueryParameters
)
_SpQuery = (
    ServicePrincipalsRequestBuilder.ServicePrincipalsRequestBuilderGetQueryParameters
)


@dataclass(frozen=True, slots=True)
class GraphSettings:
    """Where Microsoft Graph is and how to reach it."""

    credential: TokenCredential
    endpoint: str
    verify: str | bool = True
    max_attempts: int = 6
    delay: float = 3.0


def read_directory(
    settings: GraphSettings,
    writer: SnapshotWriter,
    recorder: GapRecorder,
) -> None:
    """Apps and service principals (owners, credential metadata), directory roles."""
    asyncio.run(_read_directory(settings, writer, recorder))


def read_groups(
    settings: GraphSettings,
    group_ids: list[str],
    writer: SnapshotWriter,
    recorder: GapRecorder,
) -> None:
    """Groups that hold role assignments, each with its transitive members."""
    if group_ids:
        asyncio.run(_read_groups(settings, group_ids, writer, recorder))


def graph_client(
    settings: GraphSettings,
) -> tuple[GraphServiceClient, httpx.AsyncClient]:
    """A Graph client bound to one endpoint; tokens go to that host only."""
    endpoint = settings.endpoint.rstrip("/")
    host = httpx.URL(endpoint).host
    retry = RetryHandlerOption(
        delay=settings.delay,
        max_retries=max(0, min(settings.max_attempts - 1, 10)),
    )
    http = GraphClientFactory.create_with_default_middleware(
        client=httpx.AsyncClient(verify=_tls(settings.verify), timeout=100.0),
        options={RetryHandlerOption.get_key(): retry},
    )
    auth = AzureIdentityAuthenticationProvider(
        settings.credential,
        scopes=[f"{_scope_origin(endpoint)}/.default"],
        allowed_hosts=[host],
    )
    adapter = GraphRequestAdapter(auth, client=http)
    adapter.base_url = f"{endpoint}/v1.0"
    return GraphServiceClient(request_adapter=adapter), http


def _tls(verify: str | bool) -> ssl.SSLContext | bool:
    """httpx takes a CA bundle as an SSL context."""
    if isinstance(verify, str):
        return ssl.create_default_context(cafile=verify)
    return verify


def _scope_origin(endpoint: str) -> str:
    url = httpx.URL(endpoint)
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}"


async def _read_directory(
    settings: GraphSettings,
    writer: SnapshotWriter,
    recorder: GapRecorder,
) -> None:
    client, http = graph_client(settings)
    try:
        apps = await _call(recorder, "applications list", lambda: _apps(client))
        write_list(writer, "azure/tenant/applications.json", apps or [])
        principals = await _call(
            recorder,
            "servicePrincipals list",
            lambda: _service_principals(client),
        )
        write_list(writer, "azure/tenant/service_principals.json", principals or [])
        roles = await _call(
            recorder,
            "roleManagement/directory/roleAssignments list",
            partial(_directory_roles, client),
        )
        write_list(writer, "azure/tenant/directory_role_assignments.json", roles or [])
    finally:
        await http.aclose()


async def _read_groups(
    settings: GraphSettings,
    group_ids: list[str],
    writer: SnapshotWriter,
    recorder: GapRecorder,
) -> None:
    client, http = graph_client(settings)
    limit = asyncio.Semaphore(GROUPS_AT_ONCE)

    async def one(group_id: str) -> list[dict[str, Any]] | None:
        async with limit:
            return await _call(
                recorder,
                f"groups/{group_id} and its transitive members",
                partial(_group, client, group_id),
            )

    try:
        found = await asyncio.gather(*(one(g) for g in group_ids))
    finally:
        await http.aclose()
    groups = [group for listed in found for group in listed or []]
    write_list(writer, "azure/tenant/groups.json", groups)


async def _group(client: GraphServiceClient, group_id: str) -> list[dict[str, Any]]:
    """One group in Graph's ``$expand=members`` shape, members read transitively."""
    builder = client.groups.by_group_id(group_id)
    config = RequestConfiguration(query_parameters=_GroupQuery(select=_GROUP_FIELDS))
    group = await _send(client, builder.to_get_request_information(config))
    listing = builder.transitive_members
    members = await _every_page(
        client,
        listing.to_get_request_information(
            RequestConfiguration(query_parameters=_MemberQuery(top=PAGE_SIZE))
        ),
        listing.with_url,
    )
    record = {key: group.get(key) for key in _GROUP_FIELDS}
    record["@odata.type"] = "#microsoft.graph.group"
    record["members"] = [_owner(member) for member in members]
    return [record]


async def _send(client: GraphServiceClient, request: RequestInformation) -> Any:
    """One call through the SDK's adapter (auth, retries, errors), read as JSON."""
    # The adapter's stub types this call as returning nothing.
    adapter: Any = client.request_adapter
    raw = await adapter.send_primitive_async(request, "bytes", _ERRORS)
    return json.loads(raw) if raw else {}


async def _every_page(
    client: GraphServiceClient,
    request: RequestInformation,
    next_page: Callable[[str], Any],
) -> list[dict[str, Any]]:
    """The items of every page, following ``@odata.nextLink``."""
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    while True:
        body = await _send(client, request)
        items.extend(i for i in body.get("value") or [] if isinstance(i, dict))
        link = str(body.get("@odata.nextLink") or "")
        if not link:
            return items
        if link in seen:
            raise PagingLoop(f"next page named twice: {link[:120]}")
        seen.add(link)
        request = next_page(link).to_get_request_information()


async def _call(
    recorder: GapRecorder,
    operation: str,
    read: Callable[[], Awaitable[list[dict[str, Any]]]],
) -> list[dict[str, Any]] | None:
    """Await ``read()``; a failure becomes a gap of the recorder's scope."""
    recorder.check()
    try:
        return await read()
    except SDK_ERRORS as exc:
        recorder.fail(operation, exc)
    return None


async def _apps(client: GraphServiceClient) -> list[dict[str, Any]]:
    """Applications with owners, then their federated credentials, merged by id."""
    builder = client.applications
    with_owners = RequestConfiguration(
        query_parameters=_AppQuery(
            select=_APP_FIELDS,
            expand=[f"owners({_OWNER_FIELDS})"],
            top=PAGE_SIZE,
        )
    )
    listed = await _every_page(
        client,
        builder.to_get_request_information(with_owners),
        builder.with_url,
    )
    records = {str(app.get("id")): _application(app) for app in listed}

    # Graph expands one relation per request; credentials come in a second pass.
    with_credentials = RequestConfiguration(
        query_parameters=_AppQuery(
            select=["id"],
            expand=["federatedIdentityCredentials"],
            top=PAGE_SIZE,
        )
    )
    listed = await _every_page(
        client,
        builder.to_get_request_information(with_credentials),
        builder.with_url,
    )
    for app in listed:
        known = records.get(str(app.get("id")))
        if known is not None:
            known["federatedIdentityCredentials"] = [
                _federated_credential(c)
                for c in app.get("federatedIdentityCredentials") or []
            ]
    return list(records.values())


async def _service_principals(client: GraphServiceClient) -> list[dict[str, Any]]:
    builder = client.service_principals
    config = RequestConfiguration(
        query_parameters=_SpQuery(
            select=_SP_FIELDS,
            expand=[f"owners({_OWNER_FIELDS})"],
            top=PAGE_SIZE,
        )
    )
    listed = await _every_page(
        client,
        builder.to_get_request_information(config),
        builder.with_url,
    )
    return [_service_principal(sp) for sp in listed]


# TODO: PIM-eligible directory roles (roleEligibilitySchedules) are not read —
# a holder who must activate the role first shows no directory-role edge.
async def _directory_roles(client: GraphServiceClient) -> list[dict[str, Any]]:
    """Entra role assignments (Global Administrator, Application Administrator...)."""
    builder = client.role_management.directory.role_assignments
    config = RequestConfiguration(
        query_parameters=_RoleQuery(expand=["principal"], top=PAGE_SIZE),
    )
    listed = await _every_page(
        client,
        builder.to_get_request_information(config),
        builder.with_url,
    )
    return [
        {
            **{key: item.get(key) for key in _ROLE_ASSIGNMENT_FIELDS},
            "principal": _owner(item.get("principal") or {}),
        }
        for item in listed
    ]


def _application(app: dict[str, Any]) -> dict[str, Any]:
    record = {key: app.get(key) for key in _APP_FIELDS}
    record["@odata.type"] = "#microsoft.graph.application"
    record["federatedIdentityCredentials"] = []
    record.update(_credentials(app))
    record["owners"] = [_owner(o) for o in app.get("owners") or []]
    return record


def _service_principal(sp: dict[str, Any]) -> dict[str, Any]:
    record = {key: sp.get(key) for key in _SP_FIELDS}
    record["@odata.type"] = "#microsoft.graph.servicePrincipal"
    record.update(_credentials(sp))
    record["owners"] = [_owner(o) for o in sp.get("owners") or []]
    return record


def _credentials(item: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Key ids, names, types and dates of secrets and certificates; no values."""
    return {
        name: [
            {key: entry.get(key) for key in kept}
            for entry in item.get(name) or []
            if isinstance(entry, dict)
        ]
        for name, kept in _CREDENTIAL_FIELDS.items()
    }


def _owner(owner: dict[str, Any]) -> dict[str, Any]:
    """An owner or member: type, id and names only."""
    record = {
        key: owner[key]
        for key in ("@odata.type", "id", "displayName", "userPrincipalName", "appId")
        if owner.get(key) is not None
    }
    return record


def _federated_credential(credential: dict[str, Any]) -> dict[str, Any]:
    kept = ("name", "issuer", "subject", "audiences", "claimsMatchingExpression")
    return {key: credential[key] for key in kept if key in credential}
