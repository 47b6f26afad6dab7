"""Collect stage, Azure: read Entra apps, service principals and groups from Graph.

Only credential metadata (key id, name, dates) is written: each record is
built field by field from the SDK's typed objects, so secret text, hints and
certificate bodies never reach a file.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx
from azure.core.credentials import TokenCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
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
from msgraph.generated.service_principals.service_principals_request_builder import (
    ServicePrincipalsRequestBuilder,
)
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph.graph_service_client import GraphServiceClient
from msgraph_core import GraphClientFactory

from collectors.azure_arm import write_list
from collectors.azure_calls import SDK_ERRORS, GapRecorder, plain
from collectors.snapshot import SnapshotWriter

logger = logging.getLogger(__name__)

PAGE_SIZE = 999
_CREDENTIAL_FIELDS = ("passwordCredentials", "keyCredentials")
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
_OWNER_FIELDS = "$select=id,displayName,userPrincipalName"
_AppQuery = ApplicationsRequestBuilder.ApplicationsRequestBuilderGetQueryParameters
_GroupQuery = GroupItemRequestBuilder.GroupItemRequestBuilderGetQueryParameters
_MemberQuery = (
    TransitiveMembersRequestBuilder.TransitiveMembersRequestBuilderGetQueryParameters
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
    """Applications and service principals, with owners and credential metadata."""
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
    finally:
        await http.aclose()


async def _read_groups(
    settings: GraphSettings,
    group_ids: list[str],
    writer: SnapshotWriter,
    recorder: GapRecorder,
) -> None:
    client, http = graph_client(settings)
    groups = []
    try:
        for group_id in group_ids:
            found = await _call(
                recorder,
                f"groups/{group_id} and its transitive members",
                partial(_group, client, group_id),
            )
            groups.extend(found or [])
    finally:
        await http.aclose()
    write_list(writer, "azure/tenant/groups.json", groups)


async def _group(client: GraphServiceClient, group_id: str) -> list[dict[str, Any]]:
    """One group in Graph's ``$expand=members`` shape, members read transitively."""
    builder = client.groups.by_group_id(group_id)
    group = await builder.get(
        request_configuration=RequestConfiguration(
            query_parameters=_GroupQuery(select=_GROUP_FIELDS),
        )
    )
    if group is None:
        return []
    members: list[dict[str, Any]] = []
    listing = builder.transitive_members
    page = await listing.get(
        request_configuration=RequestConfiguration(
            query_parameters=_MemberQuery(top=PAGE_SIZE),
        )
    )
    while page is not None:
        members.extend(_owner(member) for member in page.value or [])
        link = page.odata_next_link
        page = await listing.with_url(link).get() if link else None
    record = {
        "@odata.type": "#microsoft.graph.group",
        "id": group.id,
        "displayName": group.display_name,
        "securityEnabled": group.security_enabled,
        "mailEnabled": group.mail_enabled,
        "groupTypes": list(group.group_types or []),
        "membershipRule": group.membership_rule,
        "members": members,
    }
    return [_json_object(record)]


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
    owners = RequestConfiguration(
        query_parameters=_AppQuery(
            select=_APP_FIELDS,
            expand=[f"owners({_OWNER_FIELDS})"],
            top=PAGE_SIZE,
        )
    )
    records: dict[str, dict[str, Any]] = {}
    page = await builder.get(request_configuration=owners)
    while page is not None:
        for app in page.value or []:
            record = _application(app)
            records[record["id"]] = record
        link = page.odata_next_link
        page = await builder.with_url(link).get() if link else None

    # Graph expands one relation per request; credentials come in a second pass.
    federated = RequestConfiguration(
        query_parameters=_AppQuery(
            select=["id"],
            expand=["federatedIdentityCredentials"],
            top=PAGE_SIZE,
        )
    )
    page = await builder.get(request_configuration=federated)
    while page is not None:
        for app in page.value or []:
            known = records.get(str(app.id))
            if known is not None:
                known["federatedIdentityCredentials"] = [
                    _federated_credential(c)
                    for c in app.federated_identity_credentials or []
                ]
        link = page.odata_next_link
        page = await builder.with_url(link).get() if link else None
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
    records: list[dict[str, Any]] = []
    page = await builder.get(request_configuration=config)
    while page is not None:
        records.extend(_service_principal(sp) for sp in page.value or [])
        link = page.odata_next_link
        page = await builder.with_url(link).get() if link else None
    return records


def _application(app: Any) -> dict[str, Any]:
    record = {
        "@odata.type": "#microsoft.graph.application",
        "id": str(app.id),
        "appId": app.app_id,
        "displayName": app.display_name,
        "signInAudience": app.sign_in_audience,
        "publisherDomain": app.publisher_domain,
        "federatedIdentityCredentials": [],
    }
    record.update(_credentials(app))
    record["owners"] = [_owner(o) for o in app.owners or []]
    return _json_object(record)


def _service_principal(sp: Any) -> dict[str, Any]:
    record = {
        "@odata.type": "#microsoft.graph.servicePrincipal",
        "id": str(sp.id),
        "appId": sp.app_id,
        "displayName": sp.display_name,
        "servicePrincipalType": sp.service_principal_type,
        "appOwnerOrganizationId": sp.app_owner_organization_id,
        "alternativeNames": list(sp.alternative_names or []),
        "accountEnabled": sp.account_enabled,
        "tags": list(sp.tags or []),
    }
    record.update(_credentials(sp))
    record["owners"] = [_owner(o) for o in sp.owners or []]
    return _json_object(record)


def _credentials(item: Any) -> dict[str, list[dict[str, Any]]]:
    """Key ids, names, types and dates of secrets and certificates; no values."""
    secrets = [
        {
            "keyId": c.key_id,
            "displayName": c.display_name,
            "startDateTime": c.start_date_time,
            "endDateTime": c.end_date_time,
        }
        for c in item.password_credentials or []
    ]
    certificates = [
        {
            "keyId": c.key_id,
            "displayName": c.display_name,
            "type": c.type,
            "usage": c.usage,
            "startDateTime": c.start_date_time,
            "endDateTime": c.end_date_time,
        }
        for c in item.key_credentials or []
    ]
    return {"passwordCredentials": secrets, "keyCredentials": certificates}


def _owner(owner: Any) -> dict[str, Any]:
    record = {
        "@odata.type": owner.odata_type,
        "id": owner.id,
        "displayName": getattr(owner, "display_name", None),
    }
    principal_name = getattr(owner, "user_principal_name", None)
    if principal_name:
        record["userPrincipalName"] = principal_name
    return record


def _federated_credential(credential: Any) -> dict[str, Any]:
    return {
        "name": credential.name,
        "issuer": credential.issuer,
        "subject": credential.subject,
        "audiences": list(credential.audiences or []),
    }


def _json_object(record: dict[str, Any]) -> dict[str, Any]:
    """Dates, UUIDs and enums of a record as JSON strings."""
    return {key: plain(value) for key, value in record.items()}
