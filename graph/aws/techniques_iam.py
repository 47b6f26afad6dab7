"""Graph stage, AWS: escalation techniques through IAM itself.

Two kinds. Techniques that reach another principal (new access key or
console password for a user, a rewritten trust policy, joining a group)
become edges. Techniques by which a principal rewrites its own permissions
(inline or attached policies, a new or older default policy version, its
permissions boundary, a group it joins) make it admin in one step, and are
reported as its admin reason.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from graph.aws.accounts import IamEntity
from graph.aws.escalation import (
    Actor,
    Escalation,
    Grant,
    Technique,
    covered_actions,
    full_admin,
    make_actor,
    technique_actions,
)
from graph.aws.policy import Outcome, PolicyDocument, parse_policy
from graph.aws.world import AwsWorld
from graph.errors import MalformedPolicy
from graph.model import Condition, Mechanism, NodeKind, TrustEdge, Verdict

logger = logging.getLogger(__name__)

SELF_ACTIONS = (
    "iam:PutUserPolicy",
    "iam:AttachUserPolicy",
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:PutGroupPolicy",
    "iam:AttachGroupPolicy",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:DeleteUserPermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:PutUserPermissionsBoundary",
    "iam:PutRolePermissionsBoundary",
    "iam:AddUserToGroup",
)


def _users(escalation: Escalation, actor: Actor, technique: Technique) -> None:
    """New credentials for another user of the account."""
    # TODO: a user with two access keys already cannot get a third — the
    # edge is drawn anyway, since authorization details do not list keys.
    (action,) = technique.actions
    for user in escalation.account(actor.account_id).users.values():
        if user.arn == actor.arn:
            continue
        grant = actor.grant(action, user.arn)
        escalation.emit(actor, user.arn, technique, [grant], _login(technique, user))


def _login(technique: Technique, user: IamEntity) -> tuple[Condition, ...]:
    """A console password can be created only when none exists, and vice versa."""
    if technique.mechanism is Mechanism.CREATE_LOGIN_PROFILE:
        wanted, note = "absent", "works only while the user has no console password"
    elif technique.mechanism is Mechanism.UPDATE_LOGIN_PROFILE:
        if user.record.get("PasswordLastUsed"):
            return ()
        wanted, note = "present", "works only if the user has a console password"
    else:
        return ()
    return (
        Condition(
            operator="LoginProfile",
            key="iam:login-profile",
            values=(wanted,),
            verdict=Verdict.DEPENDS,
            note=note,
        ),
    )


def _trust_policies(escalation: Escalation, actor: Actor, technique: Technique) -> None:
    """Rewrite a role's trust policy to name oneself, then assume the role."""
    for role in escalation.account(actor.account_id).roles.values():
        if role.arn == actor.arn or "/aws-service-role/" in role.arn:
            continue
        update = actor.grant("iam:UpdateAssumeRolePolicy", role.arn)
        if not update.decision.allowed and update.guardrail is None:
            continue
        assume = actor.grant("sts:AssumeRole", role.arn)
        if assume.decision.outcome is Outcome.DENY:
            continue
        # In one account a trust naming the caller's ARN needs no identity
        # permission; an allow, a boundary or an SCP still shows up here.
        grants = [update]
        if assume.decision.allowed:
            grants.append(assume)
        escalation.emit(actor, role.arn, technique, grants)


def _groups(escalation: Escalation, actor: Actor, technique: Technique) -> None:
    """A user adds itself to a group and gains the group's policies."""
    if actor.entity.kind is not NodeKind.USER:
        return
    for group in escalation.account(actor.account_id).groups.values():
        if group.arn in actor.entity.groups:
            continue
        grant = actor.grant("iam:AddUserToGroup", group.arn)
        escalation.emit(actor, group.arn, technique, [grant])


TECHNIQUES = (
    Technique(
        "iam-create-access-key",
        Mechanism.CREATE_ACCESS_KEY,
        ("iam:CreateAccessKey",),
        _users,
    ),
    Technique(
        "iam-create-login-profile",
        Mechanism.CREATE_LOGIN_PROFILE,
        ("iam:CreateLoginProfile",),
        _users,
    ),
    Technique(
        "iam-update-login-profile",
        Mechanism.UPDATE_LOGIN_PROFILE,
        ("iam:UpdateLoginProfile",),
        _users,
    ),
    Technique(
        "iam-update-assume-role-policy",
        Mechanism.UPDATE_TRUST_POLICY,
        ("iam:UpdateAssumeRolePolicy",),
        _trust_policies,
    ),
    Technique(
        "iam-add-user-to-group",
        Mechanism.ADD_USER_TO_GROUP,
        ("iam:AddUserToGroup",),
        _groups,
    ),
)


# --- one-step self grants: admin reasons -------------------------------------


def _writes(entity: IamEntity, world: AwsWorld) -> Iterator[tuple[Mechanism, str, str]]:
    """(technique, action, resource) by which an entity's policies are rewritten."""
    if entity.kind is NodeKind.USER:
        yield Mechanism.PUT_INLINE_POLICY, "iam:PutUserPolicy", entity.arn
        yield Mechanism.ATTACH_POLICY, "iam:AttachUserPolicy", entity.arn
        for group_arn in entity.groups:
            yield Mechanism.PUT_INLINE_POLICY, "iam:PutGroupPolicy", group_arn
            yield Mechanism.ATTACH_POLICY, "iam:AttachGroupPolicy", group_arn
    elif entity.kind is NodeKind.ROLE:
        yield Mechanism.PUT_INLINE_POLICY, "iam:PutRolePolicy", entity.arn
        yield Mechanism.ATTACH_POLICY, "iam:AttachRolePolicy", entity.arn
    else:
        # A group's members act with its policies on their own user.
        member = f"arn:aws:iam::{entity.account_id}:user/*"
        yield Mechanism.PUT_INLINE_POLICY, "iam:PutGroupPolicy", entity.arn
        yield Mechanism.ATTACH_POLICY, "iam:AttachGroupPolicy", entity.arn
        yield Mechanism.PUT_INLINE_POLICY, "iam:PutUserPolicy", member
        yield Mechanism.ATTACH_POLICY, "iam:AttachUserPolicy", member
    for policy_arn in customer_policies(world, entity):
        yield Mechanism.CREATE_POLICY_VERSION, "iam:CreatePolicyVersion", policy_arn


def customer_policies(world: AwsWorld, entity: IamEntity) -> list[str]:
    """Customer-managed policies attached to the entity or its groups."""
    holders = [
        entity,
        *(world.entities[g] for g in entity.groups if g in world.entities),
    ]
    arns: list[str] = []
    for holder in holders:
        for attached in holder.record.get("AttachedManagedPolicies") or []:
            arn = attached.get("PolicyArn") if isinstance(attached, dict) else None
            if isinstance(arn, str) and ":aws:policy/" not in arn and arn not in arns:
                arns.append(arn)
    return arns


def _certain(grant: Grant) -> bool:
    return grant.allowed and all(
        c.verdict is not Verdict.DEPENDS for c in grant.decision.conditions
    )


def _proof(grant: Grant) -> str:
    return "; ".join(str(e) for e in grant.decision.evidence[:2])


def self_grant_reason(world: AwsWorld, actor: Actor) -> str:
    """The first one-step way the actor can make itself admin, or ''."""
    if not actor.may_any(SELF_ACTIONS):
        return ""
    reason = _boundary_reason(world, actor)
    if reason:
        return reason
    uncapped = actor.entity.boundary is None or _boundary_removal(actor) is not None
    for mechanism, action, resource in _writes(actor.entity, world):
        if action not in actor.covered:
            continue
        grant = actor.grant(action, resource)
        if _certain(grant) and uncapped and _room_for_version(world, actor, resource):
            return f"can grant itself admin: {mechanism} via {action} ({_proof(grant)})"
    for reason in (_older_version(world, actor), _admin_group(world, actor)):
        if reason:
            return reason
    return ""


def _room_for_version(world: AwsWorld, actor: Actor, resource: str) -> bool:
    """A managed policy holds at most five versions; a full one needs a delete."""
    record = world.accounts[actor.account_id].managed.get(resource)
    if record is None or len(record.get("PolicyVersionList") or []) < 5:
        return True
    return _certain(actor.grant("iam:DeletePolicyVersion", resource))


def _boundary_removal(actor: Actor) -> Grant | None:
    entity = actor.entity
    if entity.boundary is None or entity.kind is NodeKind.GROUP:
        return None
    noun = "User" if entity.kind is NodeKind.USER else "Role"
    for verb in ("Delete", "Put"):
        grant = actor.grant(f"iam:{verb}{noun}PermissionsBoundary", entity.arn)
        if _certain(grant):
            return grant
    return None


def _boundary_reason(world: AwsWorld, actor: Actor) -> str:
    """Identity policies already admin, held back only by a removable boundary."""
    removal = _boundary_removal(actor)
    if removal is None:
        return ""
    unbounded = replace(actor, entity=replace(actor.entity, boundary=None))
    if not full_admin(unbounded):
        return ""
    mechanism = (
        Mechanism.DELETE_PERMISSIONS_BOUNDARY
        if "Delete" in removal.action
        else Mechanism.PUT_PERMISSIONS_BOUNDARY
    )
    return (
        f"can grant itself admin: {mechanism} via {removal.action} ({_proof(removal)})"
    )


def _older_version(world: AwsWorld, actor: Actor) -> str:
    """A non-default version of an attached policy that would make it admin."""
    if "iam:SetDefaultPolicyVersion" not in actor.covered:
        return ""
    account = world.accounts[actor.account_id]
    for policy_arn in customer_policies(world, actor.entity):
        record = account.managed.get(policy_arn)
        if record is None:
            continue
        grant = actor.grant("iam:SetDefaultPolicyVersion", policy_arn)
        if not _certain(grant):
            continue
        for version_id, document in _other_versions(record, policy_arn):
            swapped = [d for d in actor.entity.policies if d.name != policy_arn]
            swapped.append(document)
            if full_admin(actor, policies=swapped) or _writes_self(
                world, _with_policies(actor, swapped)
            ):
                return (
                    f"can grant itself admin: {Mechanism.SET_DEFAULT_POLICY_VERSION}"
                    f" to {version_id} of {policy_arn} ({_proof(grant)})"
                )
    return ""


def _with_policies(actor: Actor, policies: list[PolicyDocument]) -> Actor:
    entity = replace(actor.entity, policies=policies)
    return replace(
        actor,
        entity=entity,
        covered=covered_actions(policies, technique_actions()),
    )


def _other_versions(
    record: dict[str, Any], policy_arn: str
) -> Iterator[tuple[str, PolicyDocument]]:
    for version in record.get("PolicyVersionList") or []:
        if not isinstance(version, dict) or version.get("IsDefaultVersion"):
            continue
        version_id = str(version.get("VersionId", "?"))
        try:
            document = parse_policy(version.get("Document"), name=policy_arn)
        except MalformedPolicy as exc:
            logger.warning("%s %s: %s", policy_arn, version_id, exc)
            continue
        yield version_id, document


def _admin_group(world: AwsWorld, actor: Actor) -> str:
    """A user can add itself to a group that makes it admin."""
    entity = actor.entity
    if entity.kind is not NodeKind.USER or "iam:AddUserToGroup" not in actor.covered:
        return ""
    for group in world.accounts[entity.account_id].groups.values():
        if group.arn in entity.groups:
            continue
        grant = actor.grant("iam:AddUserToGroup", group.arn)
        if not _certain(grant):
            continue
        member = replace(actor.entity, policies=[*entity.policies, *group.policies])
        joined = make_actor(world, member)
        if full_admin(joined) or _writes_self(world, joined):
            return (
                f"can grant itself admin: {Mechanism.ADD_USER_TO_GROUP} into "
                f"{group.arn} ({_proof(grant)})"
            )
    return ""


def _writes_self(world: AwsWorld, actor: Actor) -> bool:
    if actor.entity.boundary is not None:
        return False
    return any(
        _certain(actor.grant(action, resource))
        for _, action, resource in _writes(actor.entity, world)
        if action in actor.covered
    )


def admin_through_reachable(escalation: Escalation, actors: list[Actor]) -> None:
    """Mark principals that can rewrite the policies of one they can become.

    Two steps (write an admin policy onto a role or user, then act as it),
    judged over the direct, unconditional edges already in the graph.
    """
    graph = escalation.graph
    for actor in actors:
        if not actor.may_any(SELF_ACTIONS):
            continue
        for edge in graph.out_edges(actor.arn):
            reason = _reachable_reason(escalation, actor, edge)
            if reason:
                graph.mark_admin(actor.arn, reason, latent=True)
                break


def _reachable_reason(escalation: Escalation, actor: Actor, edge: TrustEdge) -> str:
    target = escalation.world.entities.get(edge.target)
    if edge.conditional or target is None or target.account_id != actor.account_id:
        return ""
    if target.boundary is not None:
        return ""
    for mechanism, action, resource in _writes(target, escalation.world):
        if action in actor.covered and ":user/*" not in resource:
            grant = actor.grant(action, resource)
            if _certain(grant):
                return (
                    f"can grant admin to {target.arn}, whose power it obtains by "
                    f"{edge.mechanism}: {mechanism} via {action} ({_proof(grant)})"
                )
    return ""
