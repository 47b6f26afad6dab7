"""Graph stage, AWS: the indexed view of loaded accounts the edge builders share.

Callers are indexed by account and by whether any of their identity policies
can allow ``sts:AssumeRole`` at all, so a trust naming an account root is
matched against those candidates only, never against every principal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from graph.aws.accounts import AccountData, IamEntity
from graph.aws.conditions import RequestContext, wildcard_match
from graph.aws.guardrails import Guardrails
from graph.aws.policy import evaluate_request
from graph.model import Evidence, NodeKind, Verdict

ASSUME = "sts:AssumeRole"

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
    assume_resources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    contexts: dict[str, RequestContext] = field(default_factory=dict)
    token_contexts: dict[str, RequestContext] = field(default_factory=dict)
    wildcard_callers: dict[str, list[IamEntity]] = field(default_factory=dict)
    wildcard_evidence: dict[str, tuple[Evidence, ...]] = field(default_factory=dict)
    guardrails: Guardrails | None = None
    exact_assumers: dict[str, list[IamEntity]] = field(default_factory=dict)
    # Per caller account: (literal prefix, pattern, caller); the prefix is
    # the pattern up to its first wildcard, a cheap test before the glob.
    pattern_assumers: dict[str, list[tuple[str, str, IamEntity]]] = field(
        default_factory=dict
    )
    # The same patterns grouped by the role account their prefix fixes ("" when
    # the prefix stops before the account), then by (prefix, pattern), each
    # caller numbered in pattern_assumers order: a trust naming "*" globs each
    # distinct pattern once instead of once per caller of the organisation.
    pattern_groups: dict[str, dict[tuple[str, str], list[tuple[int, IamEntity]]]] = (
        field(default_factory=dict)
    )
    pattern_count: int = 0

    def __post_init__(self) -> None:
        for account in self.accounts.values():
            for entity in account.entities():
                self.entities[entity.arn] = entity
                if entity.kind is NodeKind.GROUP:
                    continue
                resources = _assume_resources(entity)
                if not resources:
                    continue
                evidence = self._wildcard_grant(entity) if "*" in resources else None
                if evidence is not None:
                    self.wildcard_callers.setdefault(account.account_id, []).append(
                        entity
                    )
                    self.wildcard_evidence[entity.arn] = evidence
                    continue
                self.assume_resources[entity.arn] = resources
                self._index_assumer(entity, resources)

    def _index_assumer(self, entity: IamEntity, resources: tuple[str, ...]) -> None:
        """Index a caller by the role ARNs (exact) or patterns it may assume."""
        for pattern in resources:
            if "*" in pattern or "?" in pattern:
                prefix = re.split(r"[*?]", pattern, maxsplit=1)[0]
                by_account = self.pattern_assumers.setdefault(entity.account_id, [])
                by_account.append((prefix, pattern, entity))
                fixed = prefix.split(":")
                target = fixed[4] if len(fixed) > 5 else ""
                groups = self.pattern_groups.setdefault(target, {})
                callers = groups.setdefault((prefix, pattern), [])
                callers.append((self.pattern_count, entity))
                self.pattern_count += 1
            else:
                self.exact_assumers.setdefault(pattern, []).append(entity)

    def assumers_of(
        self, role_arn: str, account_id: str | None = None
    ) -> list[IamEntity]:
        """Callers (of one account, or of any) whose policies may name the role;
        a candidate list for the full evaluation, never a verdict."""
        found: dict[str, IamEntity] = {}
        for entity in self.exact_assumers.get(role_arn, ()):
            if account_id is None or entity.account_id == account_id:
                found.setdefault(entity.arn, entity)
        if account_id is None:
            for _, entity in self._pattern_callers(role_arn):
                found.setdefault(entity.arn, entity)
            return list(found.values())
        for prefix, pattern, entity in self.pattern_assumers.get(account_id, []):
            if (
                role_arn.startswith(prefix)
                and entity.arn not in found
                and wildcard_match(pattern, role_arn)
            ):
                found[entity.arn] = entity
        return list(found.values())

    def _pattern_callers(self, role_arn: str) -> list[tuple[int, IamEntity]]:
        """Callers of any account with a pattern naming the role, numbered and
        in pattern_assumers order."""
        parts = role_arn.split(":")
        targets = ["", parts[4]] if len(parts) > 5 and parts[4] else [""]
        matched: list[tuple[int, IamEntity]] = []
        for target in targets:
            for (prefix, pattern), callers in self.pattern_groups.get(
                target, {}
            ).items():
                if role_arn.startswith(prefix) and wildcard_match(pattern, role_arn):
                    matched.extend(callers)
        matched.sort(key=lambda item: item[0])
        return matched

    def _wildcard_grant(self, entity: IamEntity) -> tuple[Evidence, ...] | None:
        """Evidence when the caller may assume every role, with nothing that
        could deny one: no condition, no Deny on sts:AssumeRole, a boundary
        that allows it everywhere. Such callers share one caller-set node per
        account, so trusts naming the account or the organisation cost one
        edge each instead of one per caller."""
        for document in entity.policies:
            for statement in document.statements:
                if statement.effect == "Deny" and statement.matches_action(ASSUME):
                    return None
        context = self.context_for_entity(entity)
        decisions = [evaluate_request(entity.policies, ASSUME, "*", context)]
        if entity.boundary is not None:
            decisions.append(evaluate_request([entity.boundary], ASSUME, "*", context))
        for decision in decisions:
            if not decision.allowed:
                return None
            if any(c.verdict is Verdict.DEPENDS for c in decision.conditions):
                return None
        return decisions[0].evidence

    @property
    def org_hub(self) -> str:
        """Node id standing for every organisation principal that may assume
        any role."""
        org = next(iter(self.org_ids)) if len(self.org_ids) == 1 else "loaded"
        return f"aws-org-callers:{org}"

    def context_for_org(self) -> RequestContext:
        """Some principal of the organisation (or of the loaded accounts)."""
        known: dict[str, tuple[str, ...]] = {"aws:principalisawsservice": ("false",)}
        if len(self.org_ids) == 1 and self.org_known:
            known["aws:principalorgid"] = tuple(self.org_ids)
        return RequestContext(
            known=known,
            absent=frozenset({"aws:sourcearn", "aws:sourceaccount"}),
            now=self.now,
        )

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
