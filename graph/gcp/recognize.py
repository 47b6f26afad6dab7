"""Load stage, GCP: recognise gcloud and Cloud Asset Inventory shapes by content."""

from __future__ import annotations

from typing import Any

from graph.load import Recognizer


def _rows(data: Any) -> list[Any]:
    return data if isinstance(data, list) else []


def _all_dicts(data: Any, test: Any) -> bool:
    rows = _rows(data)
    return bool(rows) and all(isinstance(r, dict) and test(r) for r in rows)


def _is_binding(row: dict[str, Any]) -> bool:
    return isinstance(row.get("role"), str) and isinstance(row.get("members"), list)


def _is_policy_body(data: Any) -> bool:
    if isinstance(data, dict):
        bindings = data.get("bindings")
        return isinstance(bindings, list) and "resource" not in data
    return _all_dicts(data, _is_binding)


def _is_wrapped(row: dict[str, Any]) -> bool:
    return isinstance(row.get("resource"), str) and isinstance(row.get("policy"), dict)


def _is_wrapped_policy(data: Any) -> bool:
    return isinstance(data, dict) and _is_wrapped(data)


def _is_policy_search(data: Any) -> bool:
    return _all_dicts(data, _is_wrapped)


def _is_cai_asset(row: dict[str, Any]) -> bool:
    return isinstance(row.get("name"), str) and isinstance(row.get("asset_type"), str)


def _is_cai_export(data: Any) -> bool:
    if isinstance(data, dict):
        return _is_cai_asset(data)
    return _all_dicts(data, _is_cai_asset)


def _is_service_account(row: dict[str, Any]) -> bool:
    email = row.get("email")
    return isinstance(email, str) and ("uniqueId" in row or "projectId" in row)


def _is_service_accounts(data: Any) -> bool:
    if isinstance(data, dict) and isinstance(data.get("accounts"), list):
        data = data["accounts"]
    return _all_dicts(data, _is_service_account)


def _is_key(row: dict[str, Any]) -> bool:
    name = row.get("name")
    return isinstance(name, str) and "/keys/" in name and "keyType" in row


def _is_sa_keys(data: Any) -> bool:
    if isinstance(data, dict) and isinstance(data.get("keys"), list):
        data = data["keys"]
    return _all_dicts(data, _is_key)


def _is_role(row: dict[str, Any]) -> bool:
    name = row.get("name")
    return isinstance(name, str) and "/roles/" in name and "includedPermissions" in row


def _is_custom_roles(data: Any) -> bool:
    if isinstance(data, dict) and isinstance(data.get("roles"), list):
        data = data["roles"]
    if isinstance(data, dict):
        return _is_role(data)
    return _all_dicts(data, _is_role)


def _is_wif(row: dict[str, Any]) -> bool:
    name = row.get("name")
    return isinstance(name, str) and "/workloadIdentityPools/" in name


def _is_wif_objects(data: Any) -> bool:
    for key in ("workloadIdentityPools", "workloadIdentityPoolProviders"):
        if isinstance(data, dict) and isinstance(data.get(key), list):
            data = data[key]
    if isinstance(data, dict):
        return _is_wif(data)
    return _all_dicts(data, _is_wif)


def _is_deny(row: dict[str, Any]) -> bool:
    name = row.get("name")
    return isinstance(name, str) and "/denypolicies/" in name


def _is_deny_policies(data: Any) -> bool:
    if isinstance(data, dict) and isinstance(data.get("policies"), list):
        data = data["policies"]
    if isinstance(data, dict):
        return _is_deny(data)
    return _all_dicts(data, _is_deny)


def _is_container(row: dict[str, Any]) -> bool:
    if "projectId" in row and "projectNumber" in row:
        return True
    name = row.get("name")
    return isinstance(name, str) and name.startswith(("folders/", "organizations/"))


def _is_containers(data: Any) -> bool:
    return _all_dicts(data, _is_container)


def _is_memberships(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("group"), str)
        and isinstance(data.get("memberships"), list)
    )


RECOGNIZERS = (
    Recognizer("gcp.iam_policy_search", _is_policy_search),
    Recognizer("gcp.iam_policy", _is_wrapped_policy),
    Recognizer("gcp.cai_export", _is_cai_export),
    Recognizer("gcp.service_accounts", _is_service_accounts),
    Recognizer("gcp.sa_keys", _is_sa_keys),
    Recognizer("gcp.custom_roles", _is_custom_roles),
    Recognizer("gcp.workload_identity", _is_wif_objects),
    Recognizer("gcp.deny_policies", _is_deny_policies),
    Recognizer("gcp.containers", _is_containers),
    Recognizer("gcp.group_memberships", _is_memberships),
    Recognizer("gcp.policy_body", _is_policy_body),
)
