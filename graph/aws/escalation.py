"""Graph stage, AWS: privilege-escalation edges from identity permissions.

The registry: each technique is one row of :data:`TECHNIQUES` (its id, the
mechanism its edges carry, the actions it needs, and the function that finds
its targets). A principal's permissions are read once into an
:class:`Actor`, with the set of technique actions any Allow statement can
cover; a technique is tried only when all of its actions are covered, and
its targets are then matched by resource before each request is evaluated
(identity policies, permissions boundary, SCPs; an explicit deny wins).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from graph.aws.accounts import AccountData, IamEntity
from graph.aws.conditions import RequestContext, wildcard_match
from graph.aws.guardrails import SCP, Guardrails
from graph.aws.policy import (
    NOT_ALLOWED,
    Decision,
    PolicyDocument,
    combine,
    evaluate_request,
)
from graph.aws.workloads import WorkloadInventory
from graph.aws.world import AwsWorld
from graph.model import Condition, Evidence, Mechanism, TrustEdge, Verdict
from graph.trustgraph import TrustGraph

logger = logging.getLogger(__name__)

# Admin means every action on every resource; these stand for "every".
ADMIN_SENTINELS = (
    "iam:PutRolePolicy",
    "iam:AttachUserPolicy",
    "iam:CreateAccessKey",
    "sts:AssumeRole",
    "ec2:RunInstances",
    "s3:DeleteBucket",
    "kms:Decrypt",
    "lambda:CreateFunction",
    "organizations:LeaveOrganization",
    "secretsmanager:GetSecretValue",
)
# SCPs commonly deny leaving the organisation; that does not unmake an admin.
SCP_SENTINELS = tuple(a for a in ADMIN_SENTINELS if not a.startswith("organizations:"))


@dataclass(frozen=True, slots=True)
class Grant:
    """One needed permission: the decision, and the guardrail that refused it."""

    action: str
    decision: Decision
    guardrail: Evidence | None = None

    @property
    def allowed(self) -> bool:
        return self.decision.allowed and self.guardrail is None


@dataclass(slots=True)
class Actor:
    """A principal's permissions, read once for every technique."""

    entity: IamEntity
    context: RequestContext
    covered: frozenset[str]
    guardrails: Guardrails | None

    @property
    def arn(self) -> str:
        return self.entity.arn

    @property
    def account_id(self) -> str:
        return self.entity.account_id

    def may(self, *actions: str) -> bool:
        return all(a in self.covered for a in actions)

    def may_any(self, actions: Iterable[str]) -> bool:
        return any(a in self.covered for a in actions)

    def grant_anywhere(self, action: str) -> Grant:
        """The action on some resource: ``*``, or a pattern a statement names.

        For resources the caller creates, or that no export lists.
        """
        patterns = ["*"]
        for document in self.entity.policies:
            for statement in document.statements:
                if statement.effect == "Allow" and not statement.not_resource:
                    if statement.matches_action(action):
                        patterns.extend(statement.resources)
        best = Grant(action, NOT_ALLOWED)
        for pattern in dict.fromkeys(patterns):
            grant = self.grant(action, pattern)
            if grant.allowed:
                return grant
            if grant.guardrail is not None:
                best = grant
        return best

    def grant(
        self,
        action: str,
        resource: str,
        extra: dict[str, tuple[str, ...]] | None = None,
        *,
        policies: Sequence[PolicyDocument] | None = None,
    ) -> Grant:
        """Evaluate one request: identity, then boundary, then SCPs."""
        context = self.context
        if extra:
            context = replace(context, known={**context.known, **extra})
        documents = self.entity.policies if policies is None else policies
        identity = evaluate_request(documents, action, resource, context)
        if not identity.allowed:
            return Grant(action, identity)
        decisions = [identity]
        boundary = self.entity.boundary
        if boundary is not None:
            bounded = evaluate_request([boundary], action, resource, context)
            if not bounded.allowed:
                detail = f"permissions boundary does not allow {action}"
                return Grant(
                    action, identity, Evidence(boundary.name, "boundary", detail)
                )
            decisions.append(bounded)
        # SCPs do not restrict service-linked roles.
        if self.guardrails is not None and "/aws-service-role/" not in self.arn:
            scp = self.guardrails.evaluate(
                SCP, self.account_id, action, resource, context
            )
            if not scp.allowed:
                evidence = scp.evidence[0] if scp.evidence else None
                return Grant(action, identity, evidence or _scp_evidence(action))
            decisions.append(scp)
        return Grant(action, combine(*decisions))


def _scp_evidence(action: str) -> Evidence:
    return Evidence("SCP", "organisation", f"an SCP does not allow {action}")


@dataclass(frozen=True, slots=True)
class Technique:
    """One escalation technique: what it needs and how its targets are found."""

    technique_id: str
    mechanism: Mechanism
    actions: tuple[str, ...]
    find: Callable[[Escalation, Actor, Technique], None]
    service: str = ""
    workload: str = ""
    note: str = ""


@dataclass(slots=True)
class Escalation:
    """Shared state of one build: the world, the graph, indexes of targets."""

    world: AwsWorld
    graph: TrustGraph
    workloads: WorkloadInventory
    guardrails: Guardrails | None = None
    service_roles: dict[tuple[str, str], list[TrustEdge]] = field(default_factory=dict)
    profile_roles: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        # Indexed once: (service, account) -> the service's trust edges.
        for edge in self.graph.edges(Mechanism.ASSUME_ROLE):
            if edge.source.startswith("service:"):
                service = edge.source.removeprefix("service:")
                key = (service, self.graph.container_of(edge.target))
                self.service_roles.setdefault(key, []).append(edge)
        for roles in self.workloads.profile_roles.values():
            self.profile_roles.update(roles)

    def account(self, account_id: str) -> AccountData:
        return self.world.accounts[account_id]

    def roles_trusting(self, service: str, account_id: str) -> list[TrustEdge]:
        return self.service_roles.get((service, account_id), [])

    def has_profile(self, role_arn: str) -> bool:
        return role_arn in self.profile_roles

    def emit(
        self,
        actor: Actor,
        target: str,
        technique: Technique,
        grants: Iterable[Grant],
        conditions: Iterable[Condition] = (),
        evidence: Iterable[Evidence] = (),
    ) -> bool:
        """Add the edge when every permission holds; record a guardrail block."""
        grants = list(grants)
        if any(not g.decision.allowed for g in grants):
            return False
        proof: list[Evidence] = []
        for grant in grants:
            detail = f"grants {grant.action} ({technique.technique_id})"
            first, *rest = grant.decision.evidence or (Evidence("?", "?"),)
            proof.extend((Evidence(first.document, first.statement, detail), *rest))
        proof.extend(evidence)
        edge = TrustEdge(
            actor.arn,
            target,
            technique.mechanism,
            conditions=tuple(
                dict.fromkeys(
                    (*(c for g in grants for c in g.decision.conditions), *conditions)
                )
            ),
            evidence=tuple(dict.fromkeys(proof)),
            cross_boundary=self.graph.container_of(target) != actor.account_id,
        )
        blocked = next((g.guardrail for g in grants if g.guardrail is not None), None)
        if blocked is not None:
            self.graph.block(edge, blocked)
            return False
        if any(c.verdict is Verdict.NEVER for c in edge.conditions):
            return False
        self.graph.add_edge(edge)
        logger.debug("%s -> %s via %s", actor.arn, target, technique.technique_id)
        return True


def token_context(world: AwsWorld, entity: IamEntity) -> RequestContext:
    """The entity's request context; a caller can always use a fresh session."""
    # Built once per entity: both the admin check and the escalation pass ask.
    context = world.token_contexts.get(entity.arn)
    if context is None:
        context = world.context_for_entity(entity)
        known = {**context.known, "aws:tokenissuetime": (world.now.isoformat(),)}
        context = world.token_contexts[entity.arn] = replace(context, known=known)
    return context


def covered_actions(
    documents: Iterable[PolicyDocument], actions: frozenset[str]
) -> frozenset[str]:
    """Which of ``actions`` some Allow statement of the documents names."""
    found: set[str] = set()
    for document in documents:
        for statement in document.statements:
            if statement.effect == "Allow":
                found |= _covered(statement.actions, statement.not_action, actions)
    return frozenset(found)


@lru_cache(maxsize=65536)
def _covered(
    patterns: tuple[str, ...], negated: bool, actions: frozenset[str]
) -> frozenset[str]:
    # Keyed by the Action element: identical grants share one answer.
    matched = set()
    for pattern in patterns:
        if pattern == "*":
            matched = set(actions)
            break
        matched.update(
            a for a in actions if wildcard_match(pattern, a, ignore_case=True)
        )
    return frozenset(actions - matched if negated else matched)


@lru_cache(maxsize=1)
def technique_actions() -> frozenset[str]:
    from graph.aws.techniques_iam import SELF_ACTIONS

    return frozenset(
        {a for t in registry() for a in t.actions}
        | set(SELF_ACTIONS)
        | set(ADMIN_SENTINELS)
    )


def make_actor(world: AwsWorld, entity: IamEntity) -> Actor:
    return Actor(
        entity=entity,
        context=token_context(world, entity),
        covered=covered_actions(entity.policies, technique_actions()),
        guardrails=world.guardrails,
    )


def registry() -> tuple[Technique, ...]:
    """Every technique, from the technique modules' tables."""
    from graph.aws.techniques_iam import TECHNIQUES as IAM
    from graph.aws.techniques_passrole import TECHNIQUES as PASS_ROLE
    from graph.aws.techniques_workload import TECHNIQUES as WORKLOAD

    return (*IAM, *PASS_ROLE, *WORKLOAD)


def edges_from_permissions(
    world: AwsWorld,
    graph: TrustGraph,
    workloads: WorkloadInventory | None = None,
) -> None:
    """Add an edge for every escalation technique a loaded principal can use.

    Principals already marked admin gain nothing and are skipped. Last, a
    principal that can rewrite the policies of one it can become is marked
    admin.
    """
    from graph.aws.techniques_iam import admin_through_reachable

    escalation = Escalation(
        world,
        graph,
        workloads or WorkloadInventory(),
        guardrails=world.guardrails,
    )
    # Each technique's action set once: a subset test per actor and technique.
    needs = [(technique, frozenset(technique.actions)) for technique in registry()]
    actors = []
    for account in world.accounts.values():
        for entity in (*account.users.values(), *account.roles.values()):
            if graph.is_admin(entity.arn):
                continue
            actor = make_actor(world, entity)
            actors.append(actor)
            for technique, actions in needs:
                if actions <= actor.covered:
                    technique.find(escalation, actor, technique)
    admin_through_reachable(escalation, actors)
    logger.info("aws: escalation edges evaluated for %d accounts", len(world.accounts))


def full_admin(actor: Actor, policies: Sequence[PolicyDocument] | None = None) -> bool:
    """Every sentinel action on every resource, unconditionally."""
    if not actor.may(*ADMIN_SENTINELS) and policies is None:
        return False
    for action in ADMIN_SENTINELS:
        grant = actor.grant(action, "*", policies=policies)
        if action in SCP_SENTINELS and not grant.allowed:
            return False
        if not grant.decision.allowed or _depends(grant.decision.conditions):
            return False
    return True


def _depends(conditions: Iterable[Condition]) -> bool:
    return any(c.verdict is Verdict.DEPENDS for c in conditions)


FULL_ADMIN = "allows every action on every resource"


def admin_reason(world: AwsWorld, entity: IamEntity) -> str:
    """Why an entity holds admin power in its account, or '' when it does not."""
    from graph.aws.techniques_iam import self_grant_reason

    actor = make_actor(world, entity)
    if full_admin(actor):
        names = ", ".join(d.name.rsplit("/", 1)[-1] for d in entity.policies[:3])
        return f"{FULL_ADMIN} ({names})"
    return self_grant_reason(world, actor)


__all__ = ["Actor", "Grant", "Technique", "admin_reason", "edges_from_permissions"]
