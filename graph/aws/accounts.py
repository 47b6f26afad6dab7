"""Graph stage, AWS: read authorization-details exports into typed account data.

Each loaded user, group and role becomes an :class:`IamEntity` with its parsed
identity policies (inline, attached managed, and for users those of their
groups) and its permissions boundary, so the builder never touches raw JSON.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from graph.aws.managed import KNOWN_MANAGED_POLICIES
from graph.aws.policy import PolicyDocument, parse_policy
from graph.errors import MalformedPolicy
from graph.load import Inventory
from graph.model import Cloud, CoverageGap, NodeKind

logger = logging.getLogger(__name__)

ACCOUNT_IN_ARN = re.compile(r"^arn:aws[\w-]*:(?:iam|sts)::(\d{12}):")


@dataclass(slots=True)
class IamEntity:
    """A user, group or role of a loaded account with its parsed policies."""

    arn: str
    kind: NodeKind
    account_id: str
    name: str
    record: dict[str, Any]
    source: str
    policies: list[PolicyDocument] = field(default_factory=list)
    boundary: PolicyDocument | None = None
    trust: PolicyDocument | None = None
    groups: list[str] = field(default_factory=list)

    @property
    def tags(self) -> dict[str, str]:
        tags = self.record.get("Tags") or []
        return {
            str(t.get("Key")): str(t.get("Value", ""))
            for t in tags
            if isinstance(t, dict) and "Key" in t
        }


@dataclass(slots=True)
class AccountData:
    """Everything loaded for one AWS account."""

    account_id: str
    sources: list[str] = field(default_factory=list)
    users: dict[str, IamEntity] = field(default_factory=dict)
    groups: dict[str, IamEntity] = field(default_factory=dict)
    roles: dict[str, IamEntity] = field(default_factory=dict)
    managed: dict[str, dict[str, Any]] = field(default_factory=dict)
    parsed: dict[str, PolicyDocument] = field(default_factory=dict)

    def entities(self) -> Iterator[IamEntity]:
        yield from self.users.values()
        yield from self.groups.values()
        yield from self.roles.values()

    def role_by_name(self, name: str) -> IamEntity | None:
        for role in self.roles.values():
            if role.name == name:
                return role
        return None


def account_of(arn: str) -> str:
    """The 12-digit account id inside an IAM or STS ARN, or ''."""
    match = ACCOUNT_IN_ARN.match(arn)
    return match.group(1) if match else ""


def _as_list(value: Any) -> list[Any]:
    """Exports sometimes hold one object where a list belongs."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def read_accounts(
    inventory: Inventory, gaps: list[CoverageGap]
) -> dict[str, AccountData]:
    """Group authorization-details entries by the account each ARN names.

    One export normally holds one account; merged exports hold several, and
    their managed policies are shared by every account of the file.
    """
    accounts: dict[str, AccountData] = {}
    for document in inventory.of_kind("aws.authz"):
        found = _read_authz(accounts, document.data, document.path, gaps)
        if not found:
            gaps.append(_gap(document.path, "empty", "no ARN names an account"))
        if document.data.get("IsTruncated"):
            detail = "IsTruncated is true: later pages were not exported"
            gaps.append(_gap(document.path, "truncated", detail))
    for account in accounts.values():
        _resolve_policies(account, gaps)
    return accounts


def _gap(scope: str, reason: str, detail: str) -> CoverageGap:
    logger.warning("%s: %s (%s)", scope, reason, detail)
    return CoverageGap(scope=scope, reason=reason, detail=detail, cloud=Cloud.AWS)


def _read_authz(
    accounts: dict[str, AccountData],
    data: dict[str, Any],
    path: str,
    gaps: list[CoverageGap],
) -> set[str]:
    tables = (
        ("UserDetailList", NodeKind.USER, "UserName", "users"),
        ("GroupDetailList", NodeKind.GROUP, "GroupName", "groups"),
        ("RoleDetailList", NodeKind.ROLE, "RoleName", "roles"),
    )
    found: set[str] = set()
    fallback = _only_account(data)
    for key, kind, name_key, table in tables:
        for number, record in enumerate(_as_list(data.get(key))):
            arn = record.get("Arn") if isinstance(record, dict) else None
            account_id = account_of(arn) if isinstance(arn, str) else ""
            if not account_id and isinstance(arn, str) and fallback:
                # Hand-edited exports may drop the account from an ARN.
                detail = (
                    f"{key}[{number}] ARN {arn!r} names no account; read as {fallback}"
                )
                gaps.append(_gap(path, "odd-arn", detail))
                account_id = fallback
            if not account_id:
                detail = f"{key}[{number}] has no usable Arn; entry skipped"
                gaps.append(_gap(path, "malformed", detail))
                continue
            assert isinstance(arn, str)
            account = accounts.setdefault(account_id, AccountData(account_id))
            if path not in account.sources:
                account.sources.append(path)
            found.add(account_id)
            name = str(record.get(name_key) or arn.rsplit("/", 1)[-1])
            entity = IamEntity(arn, kind, account_id, name, record, path)
            getattr(account, table)[arn] = entity
    for policy in _as_list(data.get("Policies")):
        if isinstance(policy, dict) and isinstance(policy.get("Arn"), str):
            for account_id in found:
                accounts[account_id].managed[policy["Arn"]] = policy
    return found


def _only_account(data: dict[str, Any]) -> str:
    """The one account a file's ARNs name, or '' when none or several."""
    seen = set()
    for key in ("UserDetailList", "GroupDetailList", "RoleDetailList"):
        for record in _as_list(data.get(key)):
            if isinstance(record, dict):
                seen.add(account_of(str(record.get("Arn", ""))))
    seen.discard("")
    return seen.pop() if len(seen) == 1 else ""


def _default_document(policy: dict[str, Any]) -> Any:
    for version in _as_list(policy.get("PolicyVersionList")):
        if isinstance(version, dict) and version.get("IsDefaultVersion"):
            return version.get("Document")
    return None


def _parse(
    raw: Any,
    name: str,
    entity: IamEntity,
    gaps: list[CoverageGap],
) -> PolicyDocument | None:
    try:
        return parse_policy(raw, name=name)
    except MalformedPolicy as exc:
        gaps.append(_gap(entity.source, "malformed-policy", f"{entity.arn}: {exc}"))
        return None


def _managed_document(
    account: AccountData,
    arn: str,
    entity: IamEntity,
    gaps: list[CoverageGap],
) -> PolicyDocument | None:
    # A managed policy is parsed once per account, however often attached.
    if arn in account.parsed:
        return account.parsed[arn]
    policy = account.managed.get(arn)
    if policy is not None:
        raw = _default_document(policy)
        if raw is not None:
            parsed = _parse(raw, arn, entity, gaps)
            if parsed is not None:
                account.parsed[arn] = parsed
            return parsed
    known = KNOWN_MANAGED_POLICIES.get(arn.rsplit("/", 1)[-1])
    if known is not None and ":aws:policy/" in arn:
        return parse_policy(known, name=arn)
    gaps.append(
        _gap(entity.source, "missing-policy", f"{arn} attached to {entity.arn}")
    )
    return None


def _inline(
    entity: IamEntity, key: str, gaps: list[CoverageGap]
) -> Iterable[PolicyDocument]:
    for item in _as_list(entity.record.get(key)):
        if not isinstance(item, dict):
            continue
        name = f"{entity.arn} inline {item.get('PolicyName', '?')}"
        parsed = _parse(item.get("PolicyDocument"), name, entity, gaps)
        if parsed is not None:
            yield parsed


_INLINE_KEY = {
    NodeKind.USER: "UserPolicyList",
    NodeKind.GROUP: "GroupPolicyList",
    NodeKind.ROLE: "RolePolicyList",
}


def _own_policies(
    account: AccountData, entity: IamEntity, gaps: list[CoverageGap]
) -> list[PolicyDocument]:
    docs = list(_inline(entity, _INLINE_KEY[entity.kind], gaps))
    for attached in _as_list(entity.record.get("AttachedManagedPolicies")):
        if isinstance(attached, dict) and isinstance(attached.get("PolicyArn"), str):
            doc = _managed_document(account, attached["PolicyArn"], entity, gaps)
            if doc is not None:
                docs.append(doc)
    return docs


def _resolve_policies(account: AccountData, gaps: list[CoverageGap]) -> None:
    for entity in account.entities():
        entity.policies = _own_policies(account, entity, gaps)
        boundary = entity.record.get("PermissionsBoundary")
        if isinstance(boundary, dict) and boundary.get("PermissionsBoundaryArn"):
            arn = str(boundary["PermissionsBoundaryArn"])
            entity.boundary = _managed_document(account, arn, entity, gaps)
        if entity.kind is NodeKind.ROLE:
            raw = entity.record.get("AssumeRolePolicyDocument")
            entity.trust = _parse(raw, f"{entity.arn} trust policy", entity, gaps)
    # A user's effective policies include those of its groups.
    by_name = {g.name: g for g in account.groups.values()}
    for user in account.users.values():
        for group_name in _as_list(user.record.get("GroupList")):
            group = by_name.get(str(group_name))
            if group is None:
                detail = f"{user.arn} is in group {group_name!r}, which is not exported"
                gaps.append(_gap(user.source, "missing-group", detail))
                continue
            user.groups.append(group.arn)
            user.policies.extend(group.policies)
