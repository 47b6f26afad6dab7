"""Graph stage, GCP: turn allow-policy bindings into typed grants and notes."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from graph.gcp.conditions import evaluate_condition
from graph.gcp.estate import Estate, Policy
from graph.gcp.members import PUBLIC_MEMBERS, parse_member
from graph.gcp.roles import ACT_AS, RoleTable
from graph.model import Condition, Evidence, NodeKind, PolicyNote, Severity, Verdict
from graph.trustgraph import TrustGraph

logger = logging.getLogger(__name__)

_IDENTITY_SCOPES = ("organizations/", "folders/", "projects/", "serviceAccount:")
UNKNOWN_SCOPE = "unknown-resource:"
# GCP allows 1,500 principals in one allow policy (each binding's members
# count); past that a policy is not a real export, and reading on costs
# quadratic time in the techniques that pair a member's grants.
MAX_POLICY_GRANTS = 1500


@dataclass(frozen=True, slots=True)
class Grant:
    """One member's share of one binding: scope, role, permissions, condition."""

    member: str
    scope: str
    role: str
    permissions: frozenset[str]
    condition: Condition | None
    evidence: Evidence

    @property
    def conditions(self) -> tuple[Condition, ...]:
        return () if self.condition is None else (self.condition,)


def read_grants(estate: Estate, roles: RoleTable, graph: TrustGraph) -> list[Grant]:
    """Every usable grant on an identity scope; members become nodes.

    Deleted members and broad members become policy notes; members and
    custom roles that cannot be read become coverage gaps.
    """
    grants: list[Grant] = []
    for policy in estate.policies:
        scope = estate.scope_id(policy.resource)
        if "/serviceAccounts/" in scope:
            estate.gap(
                policy.document,
                "unresolved-service-account",
                f"{policy.resource}: no service account with that unique id was "
                "loaded; its policy is not evaluated",
            )
            continue
        taken = 0
        seen: set[tuple[str, str, str, Condition | None]] = set()
        for index, binding in enumerate(policy.bindings):
            if taken >= MAX_POLICY_GRANTS:
                estate.gap(
                    policy.document,
                    "too-large",
                    f"{policy.resource}: over {MAX_POLICY_GRANTS} grants; "
                    f"bindings[{index}:] not read",
                )
                break
            found = _binding_grants(estate, roles, graph, policy, scope, index, binding)
            taken += len(found)
            for grant in found:
                # A binding repeated in one policy adds nothing; the first is proof.
                key = (grant.member, grant.scope, grant.role, grant.condition)
                if key not in seen:
                    seen.add(key)
                    grants.append(grant)
    logger.info("GCP: %d grants from %d policies", len(grants), len(estate.policies))
    return grants


def is_identity_scope(scope: str) -> bool:
    return scope.startswith(_IDENTITY_SCOPES) or scope.startswith(UNKNOWN_SCOPE)


def _binding_grants(
    estate: Estate,
    roles: RoleTable,
    graph: TrustGraph,
    policy: Policy,
    scope: str,
    index: int,
    binding: dict[str, Any],
) -> list[Grant]:
    role = str(binding.get("role", ""))
    listed = binding.get("members")
    members = list(
        dict.fromkeys(str(m) for m in (listed if isinstance(listed, list) else []))
    )
    statement = f"{scope} bindings[{index}] {role}"
    condition = evaluate_condition(binding.get("condition"))
    _note_deleted(graph, policy, scope, statement, members)
    if not is_identity_scope(scope):
        return []
    if condition is not None and condition.verdict is Verdict.NEVER:
        logger.debug("%s: condition never holds, binding skipped", statement)
        return []
    permissions = roles.permissions(role)
    if permissions is None:
        estate.gap(
            policy.document,
            "unknown-custom-role",
            f"{statement}: definition of {role} not loaded",
        )
        permissions = frozenset()
    grants = []
    for member in members:
        grant = _member_grant(
            estate,
            graph,
            policy,
            scope,
            statement,
            member,
            role,
            permissions,
            condition,
        )
        if grant is not None:
            grants.append(grant)
            _note_broad(graph, grant, roles)
    return grants


def _member_grant(
    estate: Estate,
    graph: TrustGraph,
    policy: Policy,
    scope: str,
    statement: str,
    member: str,
    role: str,
    permissions: frozenset[str],
    condition: Condition | None,
) -> Grant | None:
    parsed = parse_member(member, estate)
    if parsed.principal is None:
        if parsed.unsupported:
            estate.gap(
                policy.document,
                "unsupported-member",
                f"{statement}: member {member!r} names no known principal type",
            )
        return None
    principal = graph.add_principal(parsed.principal)
    return Grant(
        member=principal.node_id,
        scope=scope,
        role=role,
        permissions=permissions,
        condition=condition,
        evidence=Evidence(document=policy.document, statement=statement, detail=member),
    )


def _note_deleted(
    graph: TrustGraph,
    policy: Policy,
    scope: str,
    statement: str,
    members: list[str],
) -> None:
    for member in members:
        if member.startswith("deleted:"):
            add_note_once(
                graph,
                PolicyNote(
                    rule="trust.dangling-principal",
                    subject=scope,
                    evidence=Evidence(policy.document, statement, member),
                    message=f"binding names deleted principal {member}: it "
                    "grants nothing today and is a stale trust",
                    severity=Severity.LOW,
                ),
            )


def _note_broad(graph: TrustGraph, grant: Grant, roles: RoleTable) -> None:
    kind = graph.principal(grant.member).kind
    if kind not in (NodeKind.PUBLIC, NodeKind.DOMAIN):
        return
    risky = grant.permissions & (roles.impersonate | {ACT_AS})
    if not risky:
        return
    public = grant.member in PUBLIC_MEMBERS
    add_note_once(
        graph,
        PolicyNote(
            rule="trust.broad-principal",
            subject=grant.scope,
            evidence=grant.evidence,
            message=f"{grant.role} grants {', '.join(sorted(risky))} to "
            f"{grant.member} on {grant.scope}",
            severity=Severity.CRITICAL if public else Severity.HIGH,
        ),
    )


def add_note_once(graph: TrustGraph, note: PolicyNote) -> None:
    """Add a note unless the same rule, subject and message is already noted.

    The same policy often arrives twice (an asset export and a search).
    """
    seen = {(n.rule, n.subject, n.message) for n in graph.notes}
    if (note.rule, note.subject, note.message) not in seen:
        graph.add_note(note)
