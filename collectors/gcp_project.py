"""Collect stage, GCP: read one project's service accounts, keys, roles and policies."""

from __future__ import annotations

import logging
from typing import Any

from google.cloud.asset_v1 import ContentType

from collectors.gcp_calls import GapRecorder, GcpRun, message_json
from collectors.gcp_hierarchy import (
    POLICY_OPTIONS,
    collect_container_policy,
    collect_custom_roles,
    collect_deny_policies,
)

logger = logging.getLogger(__name__)

IAM_SERVICE = "//iam.googleapis.com/"
WORKLOAD_IDENTITY_TYPES = (
    "iam.googleapis.com/WorkloadIdentityPool",
    "iam.googleapis.com/WorkloadIdentityPoolProvider",
)
# Key material is never written, even if a listing were to carry it.
_KEY_SECRETS = frozenset({"privateKeyData", "privateKeyType", "publicKeyData"})
# Largest pages the APIs document, to keep round trips few.
_ACCOUNTS_PAGE = 100
_SEARCH_PAGE = 500
_FALLBACK = (
    "allow policies read per container and service account instead; "
    "policies on other resources are not read"
)


def collect_project(
    run: GcpRun,
    recorder: GapRecorder,
    project_id: str,
    *,
    read_policies: bool,
) -> None:
    """Write one project's files; each failed call is a gap in ``recorder``.

    ``read_policies`` is false when an asset search already returned the
    project's and its service accounts' allow policies.
    """
    name = f"projects/{project_id}"
    if read_policies:
        collect_container_policy(run, recorder, name)
    collect_deny_policies(run, recorder, name)

    accounts = _list_service_accounts(run, recorder, name)
    if accounts:
        run.writer.write_json(f"projects/{project_id}/service-accounts.json", accounts)

    keys: list[dict[str, Any]] = []
    for account in accounts:
        account_name = f"{name}/serviceAccounts/{account['email']}"
        keys.extend(_list_keys(run, recorder, account_name))
        if read_policies:
            _collect_account_policy(run, recorder, project_id, account_name)
    if keys:
        run.writer.write_json(f"projects/{project_id}/service-account-keys.json", keys)

    collect_custom_roles(run, recorder, name)
    logger.info("%s: %d service accounts, %d keys", name, len(accounts), len(keys))


def _list_service_accounts(
    run: GcpRun, recorder: GapRecorder, name: str
) -> list[dict[str, Any]]:
    """Every account of the project; on a failed page, those read before it."""
    found: list[dict[str, Any]] = []

    def read() -> None:
        pages = run.clients.iam.list_service_accounts(
            request={"name": name, "page_size": _ACCOUNTS_PAGE},
            **run.call_options,
        )
        found.extend(message_json(account) for account in pages)

    recorder.call(
        f"iam.serviceAccounts.list {name}",
        read,
        effect="service accounts from the failed page on not read, nor their "
        "keys and policies",
    )
    return found


def _list_keys(
    run: GcpRun, recorder: GapRecorder, account_name: str
) -> list[dict[str, Any]]:
    response = recorder.call(
        f"iam.serviceAccountKeys.list {account_name}",
        lambda: run.clients.iam.list_service_account_keys(
            request={"name": account_name}, **run.call_options
        ),
    )
    if response is None:
        return []
    return [key_json(message_json(key)) for key in response.keys]


def key_json(key: dict[str, Any]) -> dict[str, Any]:
    """Key metadata as ``gcloud iam service-accounts keys list`` writes it."""
    return {k: v for k, v in key.items() if k not in _KEY_SECRETS}


def _collect_account_policy(
    run: GcpRun, recorder: GapRecorder, project_id: str, account_name: str
) -> None:
    policy = recorder.call(
        f"iam.serviceAccounts.getIamPolicy {account_name}",
        lambda: run.clients.iam.get_iam_policy(
            request={"resource": account_name, "options": POLICY_OPTIONS},
            **run.call_options,
        ),
    )
    if policy is None:
        return
    email = account_name.rsplit("/", 1)[-1]
    wrapped = {
        "resource": f"{IAM_SERVICE}{account_name}",
        "policy": message_json(policy),
    }
    run.writer.write_json(
        f"projects/{project_id}/service-account-policies/{email}.json", wrapped
    )


def search_policies(run: GcpRun, recorder: GapRecorder, scope: str) -> bool:
    """Write every allow policy under ``scope`` from one asset search.

    Returns whether the search answered; when it did not, the gap says the
    collection falls back to per-resource policies.
    """
    results = recorder.call(
        f"cloudasset.searchAllIamPolicies {scope}",
        lambda: [
            message_json(result)
            for result in run.clients.asset.search_all_iam_policies(
                request={"scope": scope, "page_size": _SEARCH_PAGE},
                **run.call_options,
            )
        ],
        effect=_FALLBACK,
    )
    if results is None:
        return False
    if results:
        run.writer.write_json(
            f"asset/iam-policies.{scope.replace('/', '-')}.json", results
        )
    return True


def collect_workload_identity(run: GcpRun, recorder: GapRecorder, scope: str) -> None:
    """Write workload identity pools and providers under ``scope``.

    The IAM client library has no workload identity API, so they come from
    the asset inventory, in the shape ``gcloud asset export`` writes.
    """
    assets = recorder.call(
        f"cloudasset.assets.list {scope} (workload identity pools)",
        lambda: [
            message_json(asset, field_names=True)
            for asset in run.clients.asset.list_assets(
                request={
                    "parent": scope,
                    "asset_types": list(WORKLOAD_IDENTITY_TYPES),
                    "content_type": ContentType.RESOURCE,
                },
                **run.call_options,
            )
        ],
        effect="workload identity pools and providers not read",
    )
    if assets:
        run.writer.write_json(
            f"asset/workload-identity.{scope.replace('/', '-')}.json", assets
        )
