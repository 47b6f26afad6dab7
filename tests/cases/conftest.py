"""Fixtures for the hard cases: write a case's input as native AWS export files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from crosstrust import load_graph
from graph.trustgraph import TrustGraph

CASES_DIR = Path("/work/shared/cases")

# The authz keys get-account-authorization-details prints; the rest of an
# account entry (account_id, _note...) is the case's own bookkeeping.
ORG_ARN = "arn:aws:organizations::111111111111:account/o-case"
AUTHZ_KEYS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")


def _authz(account: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = {key: account.get(key, []) for key in AUTHZ_KEYS}
    document["IsTruncated"] = False
    return document


def _org_accounts(organization: Any) -> dict[str, Any]:
    """``{"Accounts": [...]}`` as organizations list-accounts prints it."""
    if isinstance(organization, dict):
        ids = organization.get("accounts") or organization.get("Accounts") or []
    else:
        ids = organization
    accounts = []
    for item in ids:
        account_id = item.get("Id") if isinstance(item, dict) else str(item)
        accounts.append(
            {
                "Id": account_id,
                "Arn": f"{ORG_ARN}/{account_id}",
                "Name": f"account-{account_id}",
                "Status": "ACTIVE",
            }
        )
    return {"Accounts": accounts}


def _oidc_providers(providers: list[dict[str, Any]]) -> dict[str, Any]:
    return {"OpenIDConnectProviderList": [{"Arn": p["arn"]} for p in providers]}


def write_aws_exports(aws: dict[str, Any], folder: Path) -> Path:
    """Write a case's ``input.aws`` as one export file per account and list."""
    folder.mkdir(parents=True, exist_ok=True)
    for account in aws.get("accounts", []):
        name = f"authz-{account['account_id']}.json"
        (folder / name).write_text(json.dumps(_authz(account), indent=1))
    if aws.get("organization"):
        text = json.dumps(_org_accounts(aws["organization"]), indent=1)
        (folder / "org-accounts.json").write_text(text)
    if aws.get("oidc_providers"):
        text = json.dumps(_oidc_providers(aws["oidc_providers"]), indent=1)
        (folder / "oidc-providers.json").write_text(text)
    return folder


def load_case(case_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CASES_DIR / f"{case_id}.json").read_text())
    return data


@pytest.fixture
def aws_case_graph(tmp_path: Path) -> Callable[[dict[str, Any]], TrustGraph]:
    """Build the graph of a case through the real loader and builder."""

    def build(case: dict[str, Any]) -> TrustGraph:
        folder = write_aws_exports(case["input"]["aws"], tmp_path / case["id"])
        return load_graph(folder)

    return build
