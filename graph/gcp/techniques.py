"""Graph stage, GCP: one function per escalation technique, each drawing edges."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from graph.gcp.deny import evaluate_deny
from graph.gcp.estate import Estate
from graph.gcp.grants import Grant
from graph.gcp.members import WIF_PREFIXES
from graph.gcp.roles import (
    ACT_AS,
    CONTAINER_SET_IAM,
    DEPLOYMENT_CREATE,
    HMAC_KEY_CREATE,
    ORG_POLICY_SET,
    ROLE_UPDATE,
    SA_KEY_CREATE,
    SA_SET_IAM,
    RoleTable,
)
from graph.model import Condition, Evidence, Mechanism, NodeKind, TrustEdge, Verdict
from graph.trustgraph import TrustGraph

logger = logging.getLogger(__name__)

_CROSS_PROJECT = Condition(
    operator="org-policy",
    key="constraints/iam.disableCrossProjectServiceAccountUsage",
    verdict=Verdict.DEPENDS,
    note="compute in another project can run as this account only while the "
    "account's project allows cross-project use",
)
_DISABLED = Condition(
    operator="state",
    key="disabled",
    verdict=Verdict.DEPENDS,
    note="the service account is disabled until someone enables it again",
)
_ORG_POLICY = Condition(
    operator="technique",
    key="orgpolicy.policy.set",
    verdict=Verdict.DEPENDS,
    note="relaxing an organisation policy helps only with a technique it blocks",
)


@dataclass(slots=True)
class Context:
    """What every technique reads: estate, roles, graph and indexed grants."""

    estate: Estate
    roles: RoleTable
    graph: TrustGraph
    by_scope: dict[str, list[Grant]] = field(default_factory=lambda: defaultdict(list))
    by_member: dict[str, list[Grant]] = field(default_factory=lambda: defaultdict(list))
    admin_of: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    @classmethod
    def of(
        cls,
        estate: Estate,
        roles: RoleTable,
        graph: TrustGraph,
        grants: Iterable[Grant],
    ) -> Context:
        context = cls(estate, roles, graph)
        for grant in grants:
            context.by_scope[grant.scope].append(grant)
            context.by_member[grant.member].append(grant)
            if grant.role in roles.admin_roles and grant.condition is None:
                context.admin_of[grant.member].add(grant.scope)
        return context

    def chain(self, node_id: str) -> list[str]:
        """Scopes whose grants reach a node: itself, then its containers upward."""
        principal = self.graph.principal(node_id)
        if principal.is_container:
            return self.estate.ancestors(node_id)
        if principal.kind is NodeKind.SERVICE_AGENT:
            # Google-managed: it lives outside the project, only its own
            # policy reaches it.
            return [node_id]
        return [node_id, *self.estate.ancestors(principal.container_id)]

    def applicable(self, chain: list[str]) -> Iterator[Grant]:
        for scope in chain:
            yield from self.by_scope.get(scope, ())

    def emit(
        self,
        grant_perms: frozenset[str],
        edge: TrustEdge,
        chain: list[str],
    ) -> bool:
        """Add the edge unless a deny rule removes every permission it rests on.

        An owner or editor of a scope above the target already holds its
        power (an admin mark), so such edges are left out as noise.
        """
        if edge.source == edge.target or self.admin_of[edge.source] & set(chain):
            return False
        if self.graph.principal(edge.target).attributes.get("disabled"):
            edge = _with_conditions(edge, (_DISABLED,))
        denial = evaluate_deny(self.estate, edge.source, grant_perms, chain)
        if denial.conditions:
            edge = _with_conditions(edge, denial.conditions)
        if grant_perms <= denial.denied:
            self.graph.block(edge, denial.guardrails[0])
            return False
        self.graph.add_edge(edge)
        return True

    def crosses(self, source: str, target: str) -> bool:
        first = self.graph.container_of(source)
        second = self.graph.container_of(target)
        return bool(first and second and first != second)


def _with_conditions(edge: TrustEdge, extra: tuple[Condition, ...]) -> TrustEdge:
    return TrustEdge(
        edge.source,
        edge.target,
        edge.mechanism,
        conditions=(*edge.conditions, *extra),
        evidence=edge.evidence,
        cross_boundary=edge.cross_boundary,
    )


def _edge(
    context: Context,
    grant: Grant,
    target: str,
    mechanism: Mechanism,
    held: frozenset[str],
    *,
    extra: tuple[Condition, ...] = (),
    evidence: tuple[Evidence, ...] = (),
) -> TrustEdge:
    detail = f"{grant.role}: {', '.join(sorted(held))}"
    own = Evidence(grant.evidence.document, grant.evidence.statement, detail)
    return TrustEdge(
        grant.member,
        target,
        mechanism,
        conditions=(*grant.conditions, *extra),
        evidence=(own, *evidence),
        cross_boundary=context.crosses(grant.member, target),
    )


def service_accounts(graph: TrustGraph) -> list[str]:
    kinds = (NodeKind.SERVICE_ACCOUNT, NodeKind.SERVICE_AGENT)
    return sorted(p.node_id for p in graph.principals(*kinds))


def edges_to_service_accounts(context: Context) -> None:
    """impersonate / federate, create_sa_key, set_iam_policy, create_hmac_key."""
    table = (
        (Mechanism.IMPERSONATE, context.roles.impersonate),
        (Mechanism.CREATE_SA_KEY, frozenset({SA_KEY_CREATE})),
        (Mechanism.SET_IAM_POLICY, frozenset({SA_SET_IAM})),
        (Mechanism.CREATE_HMAC_KEY, frozenset({HMAC_KEY_CREATE})),
    )
    for target in service_accounts(context.graph):
        chain = context.chain(target)
        for grant in context.applicable(chain):
            for mechanism, wanted in table:
                held = grant.permissions & wanted
                if not held:
                    continue
                if mechanism is Mechanism.IMPERSONATE and grant.member.startswith(
                    WIF_PREFIXES
                ):
                    mechanism = Mechanism.FEDERATE
                edge = _edge(context, grant, target, mechanism, held)
                context.emit(held, edge, chain)
            if ACT_AS in grant.permissions:
                _act_as(context, grant, target, chain)


def _act_as(context: Context, grant: Grant, target: str, chain: list[str]) -> None:
    home = set(chain)
    runs: list[tuple[Grant, bool]] = []
    for other in context.by_member[grant.member]:
        if other.permissions & context.roles.workload and not other.scope.startswith(
            "serviceAccount:"
        ):
            runs.append((other, other.scope in home))
    same = [r for r in runs if r[1]]
    for workload, local in same or runs:
        held = workload.permissions & context.roles.workload
        extra = (*workload.conditions, *(() if local else (_CROSS_PROJECT,)))
        edge = _edge(
            context,
            grant,
            target,
            Mechanism.ACT_AS,
            frozenset({ACT_AS}),
            extra=extra,
            evidence=(_evidence(workload, held),),
        )
        context.emit(frozenset({ACT_AS}), edge, chain)


def _evidence(grant: Grant, held: frozenset[str]) -> Evidence:
    detail = f"{grant.role}: {', '.join(sorted(held))}"
    return Evidence(grant.evidence.document, grant.evidence.statement, detail)


def edges_to_containers(context: Context) -> None:
    """set_iam_policy on a container: an edge to that scope's admin power."""
    reached: dict[str, set[str]] = defaultdict(set)
    containers = sorted(
        context.estate.containers,
        key=lambda c: len(context.estate.ancestors(c)),
    )
    for container in containers:
        chain = context.chain(container)
        wanted = frozenset({CONTAINER_SET_IAM[container.split("/")[0]]})
        for grant in context.applicable(chain):
            if not grant.permissions & wanted:
                continue
            if reached[grant.member] & set(chain[1:]):
                continue  # already holds the power of a parent scope
            edge = _edge(context, grant, container, Mechanism.SET_IAM_POLICY, wanted)
            if context.emit(wanted, edge, chain):
                reached[grant.member].add(container)
                mark_scope_admin(context.graph, container)


def mark_scope_admin(graph: TrustGraph, container: str) -> None:
    graph.mark_admin(container, f"admin power of {container}")


def edges_from_org_policy(context: Context) -> None:
    """set_org_policy: relaxing a constraint on the scope the grant sits on."""
    wanted = frozenset({ORG_POLICY_SET})
    for container in context.estate.containers:
        for grant in context.by_scope.get(container, ()):
            if grant.permissions & wanted:
                edge = _edge(
                    context,
                    grant,
                    container,
                    Mechanism.SET_ORG_POLICY,
                    wanted,
                    extra=(_ORG_POLICY,),
                )
                if context.emit(wanted, edge, context.chain(container)):
                    mark_scope_admin(context.graph, container)


def edges_from_custom_roles(context: Context) -> None:
    """update_custom_role: add permissions to a custom role one already holds."""
    wanted = frozenset({ROLE_UPDATE})
    for role in context.estate.custom_roles:
        home = role.split("/roles/")[0]
        editors = [
            g
            for g in context.applicable(context.estate.ancestors(home))
            if g.permissions & wanted
        ]
        for editor in editors:
            for held in context.by_member[editor.member]:
                if held.role != role or held.scope not in context.graph:
                    continue
                edge = _edge(
                    context,
                    editor,
                    held.scope,
                    Mechanism.UPDATE_CUSTOM_ROLE,
                    wanted,
                    evidence=(held.evidence,),
                )
                if context.emit(wanted, edge, context.chain(held.scope)):
                    if context.graph.principal(held.scope).is_container:
                        mark_scope_admin(context.graph, held.scope)


def edges_from_deployments(context: Context) -> None:
    """Deployment Manager runs as the project's Google APIs service account."""
    wanted = frozenset({DEPLOYMENT_CREATE})
    for container in context.estate.containers.values():
        target = f"serviceAccount:{container.number}@cloudservices.gserviceaccount.com"
        if not container.number or target not in context.graph:
            continue
        chain = context.chain(container.node_id)
        for grant in context.applicable(chain):
            if grant.permissions & wanted:
                edge = _edge(context, grant, target, Mechanism.ACT_AS, wanted)
                context.emit(wanted, edge, chain)


TECHNIQUES: tuple[Callable[[Context], None], ...] = (
    edges_to_service_accounts,
    edges_to_containers,
    edges_from_org_policy,
    edges_from_custom_roles,
    edges_from_deployments,
)
