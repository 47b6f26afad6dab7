"""Graph stage, AWS: turn role trust policies into trust edges.

For every Allow statement and every principal it names, the candidates are
resolved (a loaded principal, the loaded principals of an account whose
identity policies allow the call, a placeholder for an account or principal
that is not loaded, a service, an OIDC subject pattern or a SAML provider).
Each candidate is then judged: the statement's conditions, every Deny of the
trust policy, and on the caller side its identity policies (needed across
accounts and when the trust names only the account root) and its
permissions boundary.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass

from graph.aws.accounts import IamEntity, account_of
from graph.aws.conditions import RequestContext
from graph.aws.federation import FederatedSubject, federated_subjects
from graph.aws.guardrails import trust_block
from graph.aws.nodes import (
    account_root_node,
    ensure_arn_node,
    provider_node,
    public_node,
    service_node,
    subject_node,
)
from graph.aws.policy import (
    Outcome,
    PolicyDocument,
    Statement,
    conditions_unless,
    evaluate_request,
    judge_conditions,
)
from graph.aws.world import AwsWorld
from graph.model import (
    Condition,
    Evidence,
    Mechanism,
    NodeKind,
    PolicyNote,
    Severity,
    TrustEdge,
    Verdict,
)
from graph.trustgraph import TrustGraph

logger = logging.getLogger(__name__)

UNIQUE_ID = re.compile(r"^A[A-Z0-9]{15,}$")
ACCOUNT_ID = re.compile(r"^\d{12}$")
ASSUME = "sts:AssumeRole"
WEB = "sts:AssumeRoleWithWebIdentity"
SAML = "sts:AssumeRoleWithSAML"
FEDERATED_HOSTS = (
    "cognito-identity.amazonaws.com",
    "accounts.google.com",
    "graph.facebook.com",
    "www.amazon.com",
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One would-be caller of a trust statement, and how to judge it."""

    source: str
    action: str
    mechanism: Mechanism
    context: RequestContext
    entity: IamEntity | None = None
    needs_identity: bool = False
    fixed: tuple[Condition, ...] = ()
    claim_keys: frozenset[str] = frozenset()


def edges_from_trust_policy(
    world: AwsWorld, graph: TrustGraph, role: IamEntity
) -> None:
    """Add every edge a role's trust policy grants, with conditions and proof."""
    document = role.trust
    if document is None:
        return
    note_elements(graph, role.arn, document, trust=True)
    denies = [
        s for s in document.statements if s.effect == "Deny" and not s.not_principal
    ]
    for statement in document.statements:
        if statement.effect != "Allow" or statement.not_principal:
            continue
        if not statement.has_principal:
            continue
        for kind, value in statement.principals:
            for candidate in _candidates(world, graph, role, statement, kind, value):
                _judge(world, graph, role, document, statement, denies, candidate)


def _candidates(
    world: AwsWorld,
    graph: TrustGraph,
    role: IamEntity,
    statement: Statement,
    kind: str,
    value: str,
) -> Iterator[Candidate]:
    if kind == "AWS":
        yield from _aws_candidates(world, graph, role, statement, value)
    elif kind == "Service":
        source = service_node(graph, value)
        context = world.context_for_service(value)
        yield Candidate(source, ASSUME, Mechanism.ASSUME_ROLE, context)
    elif kind == "Federated":
        yield from _federated_candidates(world, graph, role, statement, value)


def _aws_candidates(
    world: AwsWorld,
    graph: TrustGraph,
    role: IamEntity,
    statement: Statement,
    value: str,
) -> Iterator[Candidate]:
    document = role.trust
    assert document is not None
    if value == "*":
        yield Candidate(
            public_node(graph), ASSUME, Mechanism.ASSUME_ROLE, world.context_anonymous()
        )
        for caller in world.assumers_of(role.arn):
            yield _loaded(world, caller, needs_identity=True)
        if world.wildcard_callers:
            context = world.context_for_org()
            yield Candidate(world.org_hub, ASSUME, Mechanism.ASSUME_ROLE, context)
        return
    if UNIQUE_ID.match(value):
        _note_dangling(graph, role, document, statement, value)
        return
    account_id = value if ACCOUNT_ID.match(value) else ""
    if value.endswith(":root") and ACCOUNT_ID.match(account_of(value) or "-"):
        account_id = account_of(value)
    if account_id:
        yield from _account_candidates(world, graph, role, account_id)
        return
    yield from _arn_candidates(world, graph, role, statement, value)


def _loaded(world: AwsWorld, entity: IamEntity, *, needs_identity: bool) -> Candidate:
    return Candidate(
        entity.arn,
        ASSUME,
        Mechanism.ASSUME_ROLE,
        world.context_for_entity(entity),
        entity=entity,
        needs_identity=needs_identity,
    )


def _account_candidates(
    world: AwsWorld, graph: TrustGraph, role: IamEntity, account_id: str
) -> Iterator[Candidate]:
    # Naming the account root hands the decision to the account's own
    # identity policies; a loaded account's callers are judged one by one.
    if account_id in world.accounts:
        for entity in world.assumers_of(role.arn, account_id):
            yield _loaded(world, entity, needs_identity=True)
        if account_id in world.wildcard_callers:
            yield _unloaded(world, f"arn:aws:iam::{account_id}:root", account_id)
        return
    yield _unloaded(world, account_root_node(graph, world, account_id), account_id)


def _unloaded(
    world: AwsWorld,
    source: str,
    account_id: str,
    fixed: tuple[Condition, ...] = (),
) -> Candidate:
    """A caller no export describes (or a caller set): some principal of the
    account, judged with what is known of that account only."""
    context = world.context_for_account(account_id)
    return Candidate(source, ASSUME, Mechanism.ASSUME_ROLE, context, fixed=fixed)


def _arn_candidates(
    world: AwsWorld,
    graph: TrustGraph,
    role: IamEntity,
    statement: Statement,
    value: str,
) -> Iterator[Candidate]:
    document = role.trust
    assert document is not None
    caller_account = account_of(value)
    session = re.match(
        r"^arn:aws[\w-]*:sts::(\d{12}):assumed-role/([^/]+)/(.+)$", value
    )
    if session:
        yield from _session_candidates(world, graph, role, session.groups(), value)
        return
    if not caller_account or "*" in value or ":group/" in value:
        _note_invalid(
            graph, role.arn, document, statement, f"principal {value!r} is not valid"
        )
        return
    entity = world.entities.get(value)
    if entity is not None:
        cross = entity.account_id != role.account_id
        yield _loaded(world, entity, needs_identity=cross)
        return
    yield _unloaded(world, ensure_arn_node(graph, world, value), caller_account)


def _session_candidates(
    world: AwsWorld,
    graph: TrustGraph,
    role: IamEntity,
    parts: tuple[str, ...],
    value: str,
) -> Iterator[Candidate]:
    account_id, role_name, session_name = parts
    pinned = Condition(
        operator="Principal",
        key="sts:RoleSessionName",
        values=(session_name,),
        verdict=Verdict.DEPENDS,
        note=f"only the session {value}",
    )
    account = world.accounts.get(account_id)
    caller = account.role_by_name(role_name) if account else None
    if caller is None:
        arn = f"arn:aws:iam::{account_id}:role/{role_name}"
        source = ensure_arn_node(graph, world, arn)
        yield _unloaded(world, source, account_id, fixed=(pinned,))
        return
    cross = caller.account_id != role.account_id
    base = _loaded(world, caller, needs_identity=cross)
    yield Candidate(
        base.source,
        ASSUME,
        Mechanism.ASSUME_ROLE,
        base.context,
        entity=caller,
        needs_identity=cross,
        fixed=(pinned,),
    )


def _federated_candidates(
    world: AwsWorld,
    graph: TrustGraph,
    role: IamEntity,
    statement: Statement,
    value: str,
) -> Iterator[Candidate]:
    if ":saml-provider/" in value:
        source = provider_node(graph, world, value, saml=True)
        yield Candidate(
            source, SAML, Mechanism.ASSUME_ROLE_SAML, world.context_anonymous()
        )
        return
    if ":oidc-provider/" in value:
        issuer = value.split(":oidc-provider/", 1)[1]
        provider_node(graph, world, value, saml=False)
    elif value in FEDERATED_HOSTS or "." in value:
        issuer = value
    else:
        document = role.trust
        assert document is not None
        _note_invalid(
            graph, role.arn, document, statement, f"federated principal {value!r}"
        )
        return
    for subject in federated_subjects(issuer, statement):
        yield _subject_candidate(world, graph, issuer, value, subject)


def _subject_candidate(
    world: AwsWorld,
    graph: TrustGraph,
    issuer: str,
    provider: str,
    subject: FederatedSubject,
) -> Candidate:
    source = subject_node(graph, issuer, provider, subject)
    return Candidate(
        source,
        WEB,
        Mechanism.ASSUME_ROLE_WEB_IDENTITY,
        world.context_anonymous(),
        fixed=subject.satisfied,
        claim_keys=subject.claim_keys,
    )


def _judge(
    world: AwsWorld,
    graph: TrustGraph,
    role: IamEntity,
    document: PolicyDocument,
    statement: Statement,
    denies: list[Statement],
    candidate: Candidate,
) -> None:
    # A role that may assume itself gains nothing: no self-loop edge.
    if candidate.source == role.arn or not statement.matches_action(candidate.action):
        return
    verdict, judged = _statement_conditions(statement, candidate)
    if verdict is Verdict.NEVER:
        return
    conditions = [*candidate.fixed, *judged]
    evidence = [document.evidence(statement)]
    edge = TrustEdge(
        candidate.source,
        role.arn,
        candidate.mechanism,
        cross_boundary=crosses(graph, candidate.source, role.account_id),
    )
    for deny in denies:
        if not (deny.matches_action(candidate.action) and _deny_names(deny, candidate)):
            continue
        deny_verdict, deny_judged = judge_conditions(deny, candidate.context)
        if deny_verdict is Verdict.ALWAYS:
            graph.block(
                edge, document.evidence(deny, "explicit deny in the trust policy")
            )
            return
        if deny_verdict is Verdict.DEPENDS:
            conditions.extend(conditions_unless(deny_judged, document.evidence(deny)))
    caller = _caller_side(world, graph, role, candidate, edge)
    if caller is None:
        return
    caller_conditions, caller_evidence = caller
    conditions.extend(caller_conditions)
    evidence.extend(caller_evidence)
    graph.add_edge(
        TrustEdge(
            edge.source,
            edge.target,
            edge.mechanism,
            conditions=tuple(dict.fromkeys(conditions)),
            evidence=tuple(dict.fromkeys(evidence)),
            cross_boundary=edge.cross_boundary,
        )
    )


def crosses(graph: TrustGraph, source: str, account_id: str) -> bool:
    """A different container, or an outside party with none (AWS services are not)."""
    principal = graph.principal(source)
    if principal.container_id:
        return principal.container_id != account_id
    return principal.external or principal.kind is NodeKind.CALLER_SET


def _statement_conditions(
    statement: Statement, candidate: Candidate
) -> tuple[Verdict, tuple[Condition, ...]]:
    if not candidate.claim_keys:
        return judge_conditions(statement, candidate.context)
    # Claims are matched by the subject pattern the source node stands for.
    rest = [c for c in statement.conditions if c.key_lower not in candidate.claim_keys]
    trimmed = Statement(
        index=statement.index,
        sid=statement.sid,
        effect=statement.effect,
        actions=statement.actions,
        conditions=tuple(rest),
    )
    return judge_conditions(trimmed, candidate.context)


def _deny_names(deny: Statement, candidate: Candidate) -> bool:
    """Whether a Deny statement's Principal covers the candidate caller."""
    for kind, value in deny.principals:
        if value == "*":
            return True
        if kind == "AWS":
            if value == candidate.source:
                return True
            account = value if ACCOUNT_ID.match(value) else account_of(value)
            if value.endswith(":root") or ACCOUNT_ID.match(value):
                if candidate.context.principal_account == account:
                    return True
        if kind == "Service" and candidate.source == f"service:{value}":
            return True
        if kind == "Federated" and candidate.mechanism is not Mechanism.ASSUME_ROLE:
            return True
    return False


def _caller_side(
    world: AwsWorld,
    graph: TrustGraph,
    role: IamEntity,
    candidate: Candidate,
    edge: TrustEdge,
) -> tuple[list[Condition], list[Evidence]] | None:
    """Identity policies and boundary of a loaded caller; None blocks the edge."""
    entity = candidate.entity
    blocked = trust_block(
        world.guardrails,
        candidate.context.principal_account,
        role.account_id,
        candidate.action,
        role.arn,
        candidate.context,
    )
    if blocked is not None:
        graph.block(edge, blocked)
        return None
    if entity is None:
        return [], []
    identity = evaluate_request(
        entity.policies, candidate.action, role.arn, candidate.context
    )
    if identity.outcome is Outcome.DENY:
        graph.block(edge, identity.evidence[0])
        return None
    if candidate.needs_identity and not identity.allowed:
        return None
    conditions = list(identity.conditions) if identity.allowed else []
    evidence = list(identity.evidence) if identity.allowed else []
    if entity.boundary is not None:
        bounded = evaluate_request(
            [entity.boundary], candidate.action, role.arn, candidate.context
        )
        if not bounded.allowed:
            detail = "permissions boundary does not allow sts:AssumeRole"
            graph.block(edge, Evidence(entity.boundary.name, "boundary", detail))
            return None
        conditions.extend(bounded.conditions)
    return conditions, evidence


def note_elements(
    graph: TrustGraph, subject: str, document: PolicyDocument, *, trust: bool
) -> None:
    """Report elements the policy type does not accept, and set operators
    used on single-valued keys."""
    from graph.aws.conditions import MULTI_VALUED_KEYS

    for statement in document.statements:
        if trust and statement.not_principal:
            _note_invalid(
                graph, subject, document, statement, "NotPrincipal in a trust policy"
            )
        if trust and statement.effect == "Allow" and not statement.has_principal:
            _note_invalid(
                graph, subject, document, statement, "trust statement without Principal"
            )
        if not trust and statement.has_principal:
            _note_invalid(
                graph, subject, document, statement, "Principal in an identity policy"
            )
        for clause in statement.conditions:
            if clause.qualifier and not _multi_valued(
                clause.key_lower, MULTI_VALUED_KEYS
            ):
                graph.add_note(
                    PolicyNote(
                        rule="policy.set-operator-single-valued",
                        subject=subject,
                        evidence=document.evidence(
                            statement, f"{clause.operator} {clause.key}"
                        ),
                        message=f"{clause.qualifier} on single-valued key {clause.key}",
                        severity=Severity.LOW,
                    )
                )


def _multi_valued(key: str, multi: frozenset[str]) -> bool:
    return key in multi or key.endswith(":amr") or key.startswith("aws:tagkeys")


def _note_invalid(
    graph: TrustGraph,
    subject: str,
    document: PolicyDocument,
    statement: Statement,
    message: str,
) -> None:
    # Reported as a policy.invalid-element finding, so not a skipped input.
    logger.info("%s %s: %s", document.name, statement.label, message)
    graph.add_note(
        PolicyNote(
            rule="policy.invalid-element",
            subject=subject,
            evidence=document.evidence(statement, message),
            message=message,
            severity=Severity.MEDIUM,
        )
    )


def _note_dangling(
    graph: TrustGraph,
    role: IamEntity,
    document: PolicyDocument,
    statement: Statement,
    value: str,
) -> None:
    graph.add_note(
        PolicyNote(
            rule="trust.dangling-principal",
            subject=role.arn,
            evidence=document.evidence(statement, f"unique id {value}"),
            message=f"trusts {value}, the unique id of a deleted principal",
            severity=Severity.INFO,
        )
    )
