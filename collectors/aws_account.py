"""Collect stage, AWS: read one account's IAM data in the AWS CLI's own shapes."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from typing import Any

from collectors.aws_calls import GapRecorder, paginate
from collectors.snapshot import SnapshotWriter

logger = logging.getLogger(__name__)

AUTHZ_FILTERS = ["User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"]
AUTHZ_LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")


def collect_account(
    account_id: str,
    iam: Any,
    writer: SnapshotWriter,
    recorder: GapRecorder,
    *,
    now: datetime,
    workers: int = 1,
) -> None:
    """Write authorization details, identity providers and access keys."""
    folder = f"aws/{account_id}"
    authz = recorder.call(
        "iam:GetAccountAuthorizationDetails",
        lambda: read_authorization_details(iam),
    )
    if authz is not None:
        writer.write_json(f"{folder}/authorization-details.json", authz)

    oidc = recorder.call(
        "iam:ListOpenIDConnectProviders",
        lambda: read_oidc_providers(iam, recorder),
    )
    if oidc is not None:
        writer.write_json(f"{folder}/oidc-providers.json", oidc)

    saml = recorder.call("iam:ListSAMLProviders", lambda: iam.list_saml_providers())
    if saml is not None:
        body = {"SAMLProviderList": saml.get("SAMLProviderList", [])}
        writer.write_json(f"{folder}/saml-providers.json", body)

    users = _users(iam, authz, recorder)
    if users is not None:
        keys = read_access_keys(iam, users, recorder, now=now, workers=workers)
        body = {"AccountId": account_id, "AccessKeyMetadata": keys}
        writer.write_json(f"{folder}/access-keys.json", body)
    logger.info("account %s: %d gaps", account_id, len(recorder.gaps))


def read_authorization_details(iam: Any) -> dict[str, list[Any]]:
    """All pages of ``get-account-authorization-details`` merged, all filters."""
    merged: dict[str, list[Any]] = {key: [] for key in AUTHZ_LISTS}
    paginator = iam.get_paginator("get_account_authorization_details")
    for page in paginator.paginate(Filter=AUTHZ_FILTERS):
        for key in AUTHZ_LISTS:
            merged[key].extend(page.get(key) or [])
    return merged


def read_oidc_providers(iam: Any, recorder: GapRecorder) -> dict[str, list[Any]]:
    """Each OIDC provider with its URL, audiences, thumbprints and tags."""
    listed = iam.list_open_id_connect_providers().get("OpenIDConnectProviderList", [])
    providers = []
    for entry in listed:
        arn = entry["Arn"]
        detail = recorder.call(
            f"iam:GetOpenIDConnectProvider {arn}",
            partial(iam.get_open_id_connect_provider, OpenIDConnectProviderArn=arn),
        )
        providers.append(_oidc_entry(arn, detail))
    return {"OpenIDConnectProviderList": providers}


def _oidc_entry(arn: str, detail: dict[str, Any] | None) -> dict[str, Any]:
    if detail is None:
        return {"Arn": arn}
    entry = {"Arn": arn, "Url": detail.get("Url", "")}
    for key in ("ClientIDList", "ThumbprintList", "CreateDate", "Tags"):
        if key in detail:
            entry[key] = detail[key]
    return entry


def _users(
    iam: Any,
    authz: dict[str, list[Any]] | None,
    recorder: GapRecorder,
) -> list[dict[str, Any]] | None:
    """Users from the authorization details, or listed when those failed."""
    if authz is not None:
        return authz["UserDetailList"]
    return recorder.call("iam:ListUsers", lambda: paginate(iam, "list_users", "Users"))


def read_access_keys(
    iam: Any,
    users: list[dict[str, Any]],
    recorder: GapRecorder,
    *,
    now: datetime,
    workers: int = 1,
) -> list[dict[str, Any]]:
    """Access key metadata (never secrets) with age in days and last use.

    Users are read ``workers`` at a time (the calls are per user and per key);
    the result keeps the users' order.
    """

    def of_user(user: dict[str, Any]) -> list[dict[str, Any]]:
        name = user["UserName"]
        listed = recorder.call(
            f"iam:ListAccessKeys {name}",
            partial(
                paginate, iam, "list_access_keys", "AccessKeyMetadata", UserName=name
            ),
        )
        return [_key_entry(iam, user, key, recorder, now=now) for key in listed or []]

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return [key for keys in pool.map(of_user, users) for key in keys]


def _key_entry(
    iam: Any,
    user: dict[str, Any],
    key: dict[str, Any],
    recorder: GapRecorder,
    *,
    now: datetime,
) -> dict[str, Any]:
    key_id = key["AccessKeyId"]
    entry = {
        "UserName": key.get("UserName", user["UserName"]),
        "UserArn": user.get("Arn", ""),
        "AccessKeyId": key_id,
        "Status": key.get("Status", ""),
        "CreateDate": key.get("CreateDate"),
    }
    created = _as_datetime(key.get("CreateDate"))
    if created is not None:
        entry["AgeDays"] = (now - created).days

    used = recorder.call(
        f"iam:GetAccessKeyLastUsed {key_id}",
        lambda: iam.get_access_key_last_used(AccessKeyId=key_id),
    )
    last = (used or {}).get("AccessKeyLastUsed", {})
    if "LastUsedDate" in last:
        entry["LastUsedDate"] = last["LastUsedDate"]
    for field in ("ServiceName", "Region"):
        if last.get(field) and last[field] != "N/A":
            entry[f"LastUsed{field}"] = last[field]
    return entry


def _as_datetime(value: Any) -> datetime | None:
    """SDK timestamps arrive parsed; recorded ones may still be ISO text."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None
