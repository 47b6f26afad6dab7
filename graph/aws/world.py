"""Graph stage, AWS: the indexed view of loaded accounts the edge builders share.

Callers are indexed by account and by whether any of their identity policies
can allow ``sts:AssumeRole`` at all, so a trust naming an account root is
matched against those candidates only, never against every principal.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from graph.aws.accounts import AccountData, IamEntity
from graph.aws.conditions import RequestContext, wildcard_match
from graph.model import NodeKind

OUTSIDE_ORG = "(outside the organization)"


@dataclass(slots=True)
class AwsWorld:
    """Loaded accounts plus the organisation facts trust evaluation needs."""

    accounts: dict[str, AccountData]
    org_accounts: set[str] = field(default_factory=set)
    org_ids: set[str] = field(default_factory=set)
    account_names: dict[str, str] = field(default_factory=dict)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    entities: dict[str, IamEntity] = field(default_factory=dict)
    assume_capable: dict[str, list[IamEntity]] = field(default_factory=dict)
    assume_resources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    contexts: dict[str, RequestContext] = field(default_factory=dict)

    def __post_init__(self) -> None:
        capable: dict[str, list[IamEntity]] = defaultdict(list)
        for account in self.accounts.values():
            for entity in account.entities():
                self.entities[entity.arn] = entity
                if entity.kind is NodeKind.GROUP:
                    continue
                resources = _assume_resources(entity)
                if resources:
                    capable[account.account_id].append(entity)
                    self.assume_resources[entity.arn] = resources
        self.assume_capable = dict(capable)

    def may_assume(self, entity: IamEntity, role_arn: str) -> bool:
        """Cheap pre-filter: some Allow of the caller may name the role."""
        patterns = self.assume_resources.get(entity.arn, ())
        return any(wildcard_match(p, role_arn) for p in patterns)

    @property
    def org_known(self) -> bool:
        return bool(self.org_accounts)

    def is_external(self, account_id: str) -> bool:
        """Outside the organisation; without an org file, not loaded."""
        if self.org_known:
            return account_id not in self.org_accounts
        return account_id not in self.accounts

    def org_id_for(self, account_id: str) -> tuple[str, ...] | None:
        if self.org_known and account_id not in self.org_accounts:
            return (OUTSIDE_ORG,)
        if account_id in self.org_accounts and len(self.org_ids) == 1:
            return tuple(self.org_ids)
        return None

    def context_for_entity(self, entity: IamEntity) -> RequestContext:
        """What a request made by a loaded user or role session carries."""
        context = self.contexts.get(entity.arn)
        if context is None:
            context = self.contexts[entity.arn] = self._entity_context(entity)
        return context

    def _entity_context(self, entity: IamEntity) -> RequestContext:
        known: dict[str, tuple[str, ...]] = {
            "aws:principalarn": (entity.arn,),
            "aws:principalaccount": (entity.account_id,),
            "aws:principaltype": (
                "User" if entity.kind is NodeKind.USER else "AssumedRole",
            ),
            "aws:principalisawsservice": ("false",),
        }
        if entity.kind is NodeKind.USER:
            known["aws:username"] = (entity.name,)
        org = self.org_id_for(entity.account_id)
        if org is not None:
            known["aws:principalorgid"] = org
        for key, value in entity.tags.items():
            known[f"aws:principaltag/{key.lower()}"] = (value,)
        return RequestContext(
            known=known,
            absent=frozenset({"aws:sourcearn", "aws:sourceaccount"}),
            absent_prefixes=("aws:principaltag/",),
            principal_account=entity.account_id,
            now=self.now,
        )

    def context_for_account(self, account_id: str) -> RequestContext:
        """Some unknown principal of an account that is not loaded."""
        known: dict[str, tuple[str, ...]] = {
            "aws:principalaccount": (account_id,),
            "aws:principalisawsservice": ("false",),
        }
        org = self.org_id_for(account_id)
        if org is not None:
            known["aws:principalorgid"] = org
        return RequestContext(
            known=known,
            absent=frozenset({"aws:sourcearn", "aws:sourceaccount"}),
            principal_account=account_id,
            now=self.now,
        )

    def context_for_service(self, service: str) -> RequestContext:
        known = {
            "aws:principalservicename": (service,),
            "aws:principalisawsservice": ("true",),
        }
        return RequestContext(known=known, now=self.now)

    def context_anonymous(self) -> RequestContext:
        return RequestContext(now=self.now)


def _assume_resources(entity: IamEntity) -> tuple[str, ...]:
    """Resource patterns of the Allow statements that cover sts:AssumeRole.

    A statement with NotResource or no Resource counts as ``*``.
    """
    patterns: list[str] = []
    for document in entity.policies:
        for statement in document.statements:
            if statement.effect != "Allow":
                continue
            if not statement.matches_action("sts:AssumeRole"):
                continue
            if statement.not_resource or not statement.has_resource:
                patterns.append("*")
            else:
                patterns.extend(statement.resources)
    return tuple(dict.fromkeys(patterns))
