"""Collect stage, AWS: read the organisation: accounts, OU tree, SCPs and RCPs."""

from __future__ import annotations

import json
import logging
from functools import partial
from typing import Any

from botocore.exceptions import ClientError

from collectors.aws_calls import MALFORMED, GapRecorder, error_code, paginate
from collectors.progress import PhaseBar
from collectors.snapshot import SnapshotWriter

logger = logging.getLogger(__name__)

FOLDER = "aws/organization"
POLICY_TYPES = ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY")


def collect_organization(
    client: Any,
    writer: SnapshotWriter,
    recorder: GapRecorder,
    bar: PhaseBar,
) -> list[dict[str, Any]] | None:
    """Write the organisation's files; return its accounts, or None if unread."""
    described = recorder.call(
        "organizations:DescribeOrganization",
        lambda: client.describe_organization(),
    )
    bar.advance()
    if described is None:
        return None
    organization = described["Organization"]
    recorder.scope = organization.get("Id", recorder.scope)
    writer.write_json(f"{FOLDER}/organization.json", {"Organization": organization})

    accounts = recorder.call(
        "organizations:ListAccounts",
        lambda: paginate(client, "list_accounts", "Accounts"),
    )
    if accounts is not None:
        writer.write_json(f"{FOLDER}/accounts.json", {"Accounts": accounts})
    bar.advance()

    tree = recorder.call(
        "organizations:ListRoots/ListChildren",
        lambda: read_tree(client, organization.get("Id", "")),
    )
    if tree is not None:
        writer.write_json(f"{FOLDER}/organization-tree.json", tree)
    bar.advance()

    policies = read_policies(client, recorder)
    writer.write_json(f"{FOLDER}/policies.json", {"Policies": policies})
    bar.advance()
    return accounts


def read_tree(client: Any, organization_id: str) -> dict[str, Any]:
    """Roots, their OUs (nested) and the accounts directly under each."""
    roots = paginate(client, "list_roots", "Roots")
    for root in roots:
        _fill_children(client, root)
    return {"OrganizationId": organization_id, "Roots": roots}


def _fill_children(client: Any, parent: dict[str, Any]) -> None:
    parent_id = parent["Id"]
    parent["Accounts"] = paginate(
        client,
        "list_accounts_for_parent",
        "Accounts",
        ParentId=parent_id,
    )
    units = paginate(
        client,
        "list_organizational_units_for_parent",
        "OrganizationalUnits",
        ParentId=parent_id,
    )
    for unit in units:
        _fill_children(client, unit)
    parent["OrganizationalUnits"] = units


def read_policies(client: Any, recorder: GapRecorder) -> list[dict[str, Any]]:
    """SCPs and RCPs, each with its decoded document and its targets."""
    policies = []
    for policy_type in POLICY_TYPES:
        summaries = recorder.call(
            f"organizations:ListPolicies {policy_type}",
            partial(_list_policies, client, policy_type),
        )
        for summary in summaries or []:
            policies.append(_read_policy(client, recorder, summary))
    return policies


def _list_policies(client: Any, policy_type: str) -> list[dict[str, Any]]:
    try:
        return paginate(client, "list_policies", "Policies", Filter=policy_type)
    except ClientError as exc:
        # A policy type the organisation never enabled holds no policies.
        if error_code(exc) == "PolicyTypeNotEnabledException":
            logger.info("policy type %s not enabled", policy_type)
            return []
        raise


def _read_policy(
    client: Any,
    recorder: GapRecorder,
    summary: dict[str, Any],
) -> dict[str, Any]:
    policy_id = summary["Id"]
    entry: dict[str, Any] = {"PolicySummary": summary}
    described = recorder.call(
        f"organizations:DescribePolicy {policy_id}",
        lambda: client.describe_policy(PolicyId=policy_id),
    )
    if described is not None:
        text = described.get("Policy", {}).get("Content", "")
        entry["Content"] = _decode(text, policy_id, recorder)

    targets = recorder.call(
        f"organizations:ListTargetsForPolicy {policy_id}",
        lambda: paginate(
            client, "list_targets_for_policy", "Targets", PolicyId=policy_id
        ),
    )
    if targets is not None:
        entry["Targets"] = targets
    return entry


def _decode(text: str, policy_id: str, recorder: GapRecorder) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        recorder.record(MALFORMED, f"policy {policy_id}: content is not JSON: {exc}")
        return text
