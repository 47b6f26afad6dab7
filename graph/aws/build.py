"""Graph stage, AWS: build principals, admin marks and trust edges from exports."""

from __future__ import annotations

import logging
from typing import Any

from graph.aws.accounts import IamEntity, read_accounts
from graph.aws.escalation import FULL_ADMIN, edges_from_permissions
from graph.aws.escalation import admin_reason as escalation_admin_reason
from graph.aws.guardrails import load_guardrails
from graph.aws.nodes import (
    add_account,
    add_entity,
    caller_hub_node,
    org_hub_node,
    provider_node,
)
from graph.aws.trust import crosses, edges_from_trust_policy, note_elements
from graph.aws.workloads import load_workloads
from graph.aws.world import AwsWorld
from graph.load import Inventory
from graph.model import CoverageGap, Evidence, Mechanism, NodeKind, TrustEdge
from graph.trustgraph import TrustGraph

logger = logging.getLogger(__name__)


def build_aws(inventory: Inventory, graph: TrustGraph) -> None:
    """Add every AWS account, principal and trust edge of the inventory."""
    gaps: list[CoverageGap] = []
    accounts = read_accounts(inventory, gaps)
    if not accounts and not inventory.of_kind("aws.org_accounts"):
        graph.coverage.extend(gaps)
        return
    world = _world(inventory, accounts)
    world.guardrails = load_guardrails(inventory, gaps)
    graph.organization_accounts |= world.org_accounts
    graph.loaded_containers |= set(accounts)
    for account_id in sorted(set(accounts) | world.org_accounts):
        add_account(graph, world, account_id)
    _add_principals(graph, world, inventory)
    _add_providers(graph, world, inventory)
    _add_caller_sets(graph, world)
    for account in accounts.values():
        for role in account.roles.values():
            edges_from_trust_policy(world, graph, role)
    edges_from_permissions(world, graph, load_workloads(inventory, accounts))
    graph.coverage.extend(gaps)
    logger.info("aws: %d accounts loaded", len(accounts))


def _world(inventory: Inventory, accounts: dict[str, Any]) -> AwsWorld:
    org_accounts: set[str] = set()
    names: dict[str, str] = {}
    for document in inventory.of_kind("aws.org_accounts"):
        for item in document.data.get("Accounts") or []:
            if isinstance(item, dict) and item.get("Id"):
                org_accounts.add(str(item["Id"]))
                names[str(item["Id"])] = str(item.get("Name") or item["Id"])
    org_ids: set[str] = set()
    for document in inventory.of_kind("aws.organization"):
        org = document.data.get("Organization") or {}
        if org.get("Id"):
            org_ids.add(str(org["Id"]))
        if org.get("MasterAccountId"):
            org_accounts.add(str(org["MasterAccountId"]))
    return AwsWorld(
        accounts, org_accounts=org_accounts, org_ids=org_ids, account_names=names
    )


def access_keys_by_user(inventory: Inventory) -> dict[str, list[dict[str, str]]]:
    """Key metadata (never secrets) from ``aws.access_keys`` files, by user ARN."""
    keys: dict[str, list[dict[str, str]]] = {}
    for document in inventory.of_kind("aws.access_keys"):
        for item in document.data.get("AccessKeyMetadata") or []:
            if not isinstance(item, dict) or not item.get("UserArn"):
                continue
            entry = {
                "id": str(item.get("AccessKeyId", "")),
                "status": str(item.get("Status", "")),
                "created": str(item.get("CreateDate", "")),
            }
            if item.get("LastUsedDate"):
                entry["last_used"] = str(item["LastUsedDate"])
            keys.setdefault(str(item["UserArn"]), []).append(entry)
    return keys


def _add_principals(graph: TrustGraph, world: AwsWorld, inventory: Inventory) -> None:
    noted: set[str] = set()
    keys = access_keys_by_user(inventory)
    for account in world.accounts.values():
        for entity in account.entities():
            add_entity(graph, world, entity, keys.get(entity.arn))
            _note_identity_documents(graph, entity, noted)
        for entity in account.entities():
            # A group never acts; its members are judged with its policies
            # included, so one held back by a deny or boundary is no admin.
            if entity.kind is NodeKind.GROUP:
                continue
            reason = admin_reason(world, entity)
            if reason:
                latent = not reason.startswith(FULL_ADMIN)
                graph.mark_admin(entity.arn, reason, latent=latent)
        for user in account.users.values():
            for group_arn in user.groups:
                graph.add_edge(_membership(user, group_arn))


def _add_caller_sets(graph: TrustGraph, world: AwsWorld) -> None:
    """Callers that may assume any role join their account's caller set, and
    each account's set joins the organisation's."""
    if not world.wildcard_callers:
        return
    org_hub = org_hub_node(graph, world)
    for account_id, callers in sorted(world.wildcard_callers.items()):
        hub = caller_hub_node(graph, world, account_id)
        for caller in callers:
            evidence = world.wildcard_evidence[caller.arn]
            graph.add_edge(
                TrustEdge(caller.arn, hub, Mechanism.MEMBER_OF, evidence=evidence)
            )
        detail = "account principals are organisation principals"
        graph.add_edge(
            TrustEdge(
                hub,
                org_hub,
                Mechanism.MEMBER_OF,
                evidence=(Evidence(account_id, "organization", detail),),
            )
        )


def _membership(user: IamEntity, group_arn: str) -> TrustEdge:
    evidence = Evidence(user.source, f"{user.arn} GroupList", "member of the group")
    return TrustEdge(user.arn, group_arn, Mechanism.MEMBER_OF, evidence=(evidence,))


def _note_identity_documents(
    graph: TrustGraph, entity: IamEntity, noted: set[str]
) -> None:
    for document in entity.policies:
        if document.name not in noted:
            noted.add(document.name)
            note_elements(graph, entity.arn, document, trust=False)


def admin_reason(world: AwsWorld, entity: IamEntity) -> str:
    """Why an entity holds admin power in its account, or '' when it does not."""
    return escalation_admin_reason(world, entity)


def _add_providers(graph: TrustGraph, world: AwsWorld, inventory: Inventory) -> None:
    for document in inventory.of_kind("aws.oidc_providers"):
        for item in document.data.get("OpenIDConnectProviderList") or []:
            if isinstance(item, dict) and isinstance(item.get("Arn"), str):
                provider_node(graph, world, item["Arn"], saml=False)
    for document in inventory.of_kind("aws.saml_providers"):
        for item in document.data.get("SAMLProviderList") or []:
            if isinstance(item, dict) and isinstance(item.get("Arn"), str):
                provider_node(graph, world, item["Arn"], saml=True)


__all__ = ["build_aws", "admin_reason", "crosses", "NodeKind"]
