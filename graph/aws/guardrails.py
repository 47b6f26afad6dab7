"""Graph stage, AWS: organisation guardrails (SCPs and RCPs) and where they apply.

Reads ``aws.org_policies`` (policies with their content and targets) and
``aws.organization_tree`` (roots, OUs and their accounts, nested as the
collector writes it or flat with ``ParentId``). A request is allowed by a
policy type when, at every level from the root down to the account, some
attached policy allows it and none denies it. Neither type applies to the
management account.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graph.aws.conditions import RequestContext
from graph.aws.policy import (
    Decision,
    Outcome,
    PolicyDocument,
    combine,
    evaluate_request,
    parse_policy,
)
from graph.errors import MalformedPolicy
from graph.load import Inventory
from graph.model import Cloud, CoverageGap, Evidence

logger = logging.getLogger(__name__)

SCP = "SERVICE_CONTROL_POLICY"
RCP = "RESOURCE_CONTROL_POLICY"
ALLOWED = Decision(Outcome.ALLOW)


@dataclass(slots=True)
class Guardrails:
    """Organisation policies by target, and the tree that places accounts."""

    management_account: str = ""
    parents: dict[str, str] = field(default_factory=dict)
    roots: set[str] = field(default_factory=set)
    members: set[str] = field(default_factory=set)
    attached: dict[str, dict[str, list[PolicyDocument]]] = field(
        default_factory=lambda: {SCP: {}, RCP: {}}
    )

    def active(self, policy_type: str) -> bool:
        return bool(self.attached[policy_type])

    def levels(self, account_id: str) -> list[str]:
        """Root first, then each OU, then the account itself."""
        chain = [account_id]
        seen = {account_id}
        while chain[-1] in self.parents:
            parent = self.parents[chain[-1]]
            if parent in seen:
                break
            seen.add(parent)
            chain.append(parent)
        if chain[-1] not in self.roots:
            # Placement unknown: root-attached policies still apply.
            chain.extend(sorted(self.roots))
        return list(reversed(chain))

    def evaluate(
        self,
        policy_type: str,
        account_id: str,
        action: str,
        resource: str,
        context: RequestContext,
    ) -> Decision:
        """Whether the account's SCPs (or RCPs) let the request through."""
        if account_id == self.management_account or not self.active(policy_type):
            return ALLOWED
        if self.members and account_id not in self.members:
            # Another organisation's account: its own guardrails are unknown.
            return ALLOWED
        by_target = self.attached[policy_type]
        decisions = []
        for level in self.levels(account_id):
            documents = by_target.get(level)
            if not documents:
                # A level with nothing exported is read as unrestricted.
                continue
            decision = evaluate_request(documents, action, resource, context)
            if decision.outcome is Outcome.NOT_ALLOWED:
                detail = f"no {_label(policy_type)} attached to {level} allows {action}"
                evidence = Evidence(level, _label(policy_type), detail)
                return Decision(Outcome.NOT_ALLOWED, evidence=(evidence,))
            if not decision.allowed:
                return decision
            decisions.append(decision)
        return combine(*decisions) if decisions else ALLOWED


def _label(policy_type: str) -> str:
    return "SCP" if policy_type == SCP else "RCP"


def load_guardrails(inventory: Inventory, gaps: list[CoverageGap]) -> Guardrails:
    """Read organisation policies, the tree and the management account."""
    guardrails = Guardrails()
    for document in inventory.of_kind("aws.organization"):
        org = document.data.get("Organization") or {}
        guardrails.management_account = str(org.get("MasterAccountId") or "")
    for document in inventory.of_kind("aws.organization_tree"):
        _read_tree(guardrails, document.data)
    for document in inventory.of_kind("aws.org_accounts"):
        guardrails.members.update(_ids(document.data.get("Accounts")))
    guardrails.members.update(a for a in guardrails.parents if a.isdigit())
    for document in inventory.of_kind("aws.org_policies"):
        for entry in document.data.get("Policies") or []:
            _read_policy(guardrails, entry, document.path, gaps)
    if guardrails.active(SCP) or guardrails.active(RCP):
        logger.info(
            "aws: guardrails for %d targets",
            len(guardrails.attached[SCP]) + len(guardrails.attached[RCP]),
        )
    return guardrails


def _read_tree(guardrails: Guardrails, data: dict[str, Any]) -> None:
    for root in data.get("Roots") or []:
        if isinstance(root, dict) and root.get("Id"):
            guardrails.roots.add(str(root["Id"]))
            _read_children(guardrails, root)
    # The flat form lists every OU once with its ParentId.
    for unit in data.get("OrganizationalUnits") or []:
        if isinstance(unit, dict) and unit.get("Id") and unit.get("ParentId"):
            guardrails.parents[str(unit["Id"])] = str(unit["ParentId"])
            _read_children(guardrails, unit)


def _read_children(guardrails: Guardrails, parent: dict[str, Any]) -> None:
    parent_id = str(parent["Id"])
    for account_id in _ids(parent.get("Accounts")):
        guardrails.parents[account_id] = parent_id
    for unit in parent.get("OrganizationalUnits") or []:
        if isinstance(unit, dict) and unit.get("Id"):
            guardrails.parents[str(unit["Id"])] = parent_id
            _read_children(guardrails, unit)


def _ids(items: Any) -> Iterator[str]:
    for item in items or []:
        if isinstance(item, dict) and item.get("Id"):
            yield str(item["Id"])
        elif isinstance(item, str):
            yield item


def _read_policy(
    guardrails: Guardrails,
    entry: Any,
    path: str,
    gaps: list[CoverageGap],
) -> None:
    if not isinstance(entry, dict):
        return
    summary = entry.get("PolicySummary") or {}
    policy_type = str(summary.get("Type") or SCP)
    if policy_type not in guardrails.attached:
        return
    name = f"{_label(policy_type)} {summary.get('Name') or summary.get('Id', '?')}"
    if "Content" not in entry or "Targets" not in entry:
        gaps.append(
            _gap(path, "incomplete-policy", f"{name}: content or targets missing")
        )
        return
    try:
        document = parse_policy(entry["Content"], name=name)
    except MalformedPolicy as exc:
        gaps.append(_gap(path, "malformed-policy", str(exc)))
        return
    for target in entry["Targets"] or []:
        if not isinstance(target, dict) or not target.get("TargetId"):
            continue
        target_id = str(target["TargetId"])
        guardrails.attached[policy_type].setdefault(target_id, []).append(document)
        if target.get("Type") == "ROOT":
            guardrails.roots.add(target_id)


def _gap(scope: str, reason: str, detail: str) -> CoverageGap:
    logger.warning("%s: %s (%s)", scope, reason, detail)
    return CoverageGap(scope=scope, reason=reason, detail=detail, cloud=Cloud.AWS)


def trust_block(
    guardrails: Guardrails | None,
    caller_account: str,
    role_account: str,
    action: str,
    role_arn: str,
    context: RequestContext,
) -> Evidence | None:
    """The guardrail that stops a caller assuming a role, or None.

    The caller's SCPs apply when the caller is a principal of a known
    account; the role account's RCPs apply to every caller but AWS services.
    """
    if guardrails is None:
        return None
    decisions = []
    if caller_account:
        decisions.append(
            guardrails.evaluate(SCP, caller_account, action, role_arn, context)
        )
    if context.lookup("aws:principalisawsservice") != ("true",):
        decisions.append(
            guardrails.evaluate(RCP, role_account, action, role_arn, context)
        )
    for decision in decisions:
        if not decision.allowed:
            fallback = Evidence("organisation policy", "guardrail", f"denies {action}")
            return decision.evidence[0] if decision.evidence else fallback
    return None
