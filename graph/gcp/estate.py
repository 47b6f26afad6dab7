"""Graph stage, GCP: read every loaded GCP document into one typed estate."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graph.load import Inventory
from graph.model import Cloud, CoverageGap, NodeKind

logger = logging.getLogger(__name__)

_SERVICE_PREFIXES = (
    "//cloudresourcemanager.googleapis.com/",
    "//iam.googleapis.com/",
)
_CONTAINER_KINDS = {
    "organizations": NodeKind.GCP_ORGANIZATION,
    "folders": NodeKind.GCP_FOLDER,
    "projects": NodeKind.GCP_PROJECT,
}


@dataclass(slots=True)
class Container:
    """An organisation, folder or project, with its parent and project number."""

    node_id: str
    kind: NodeKind
    name: str = ""
    parent_id: str = ""
    number: str = ""


@dataclass(slots=True)
class ServiceAccount:
    """A service account as the list or the asset export describes it."""

    email: str
    project: str = ""
    unique_id: str = ""
    display_name: str = ""
    disabled: bool = False
    document: str = ""
    keys: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Policy:
    """An allow policy and the resource it is attached to (raw name)."""

    resource: str
    bindings: tuple[dict[str, Any], ...]
    document: str


@dataclass(frozen=True, slots=True)
class Provider:
    """A workload identity pool provider."""

    name: str
    pool: str
    issuer: str
    attribute_condition: str
    attribute_mapping: dict[str, str]
    disabled: bool
    document: str


@dataclass(frozen=True, slots=True)
class DenyRule:
    """One rule of an IAM deny policy and where the policy is attached."""

    attachment: str
    policy: str
    index: int
    denied_principals: tuple[str, ...]
    exception_principals: tuple[str, ...]
    denied_permissions: tuple[str, ...]
    exception_permissions: tuple[str, ...]
    condition: str
    document: str


@dataclass(slots=True)
class Estate:
    """The GCP facts of a load: hierarchy, identities, policies, guardrails."""

    containers: dict[str, Container] = field(default_factory=dict)
    numbers: dict[str, str] = field(default_factory=dict)
    service_accounts: dict[str, ServiceAccount] = field(default_factory=dict)
    unique_ids: dict[str, str] = field(default_factory=dict)
    policies: list[Policy] = field(default_factory=list)
    custom_roles: dict[str, frozenset[str]] = field(default_factory=dict)
    providers: list[Provider] = field(default_factory=list)
    pools: set[str] = field(default_factory=set)
    deny_rules: list[DenyRule] = field(default_factory=list)
    memberships: list[tuple[str, str, str]] = field(default_factory=list)
    pending_keys: list[dict[str, Any]] = field(default_factory=list)
    coverage: list[CoverageGap] = field(default_factory=list)

    def add_container(self, container: Container) -> None:
        """Record a container; later sources fill fields earlier ones lacked."""
        known = self.containers.get(container.node_id)
        if known is None:
            self.containers[container.node_id] = container
        else:
            known.name = known.name or container.name
            known.parent_id = known.parent_id or container.parent_id
            known.number = known.number or container.number
        if container.number and container.kind is NodeKind.GCP_PROJECT:
            mapped = self.numbers.get(container.number, "")
            if not mapped or mapped.removeprefix("projects/").isdigit():
                self.numbers[container.number] = container.node_id

    def add_service_account(self, account: ServiceAccount) -> ServiceAccount:
        known = self.service_accounts.setdefault(account.email, account)
        known.project = known.project or account.project
        known.unique_id = known.unique_id or account.unique_id
        known.display_name = known.display_name or account.display_name
        known.disabled = known.disabled or account.disabled
        known.document = known.document or account.document
        if known.unique_id:
            self.unique_ids[known.unique_id] = known.email
        return known

    def project_id(self, ref: str) -> str:
        """``projects/123`` or ``123`` or ``my-proj`` -> canonical ``projects/<id>``."""
        bare = ref.removeprefix("projects/")
        if not bare:
            return ""
        return self.numbers.get(bare, f"projects/{bare}")

    def scope_id(self, resource: str) -> str:
        """Canonical id of a policy's resource: container id, SA member or name."""
        name = resource
        for prefix in _SERVICE_PREFIXES:
            name = name.removeprefix(prefix)
        parts = name.split("/")
        if len(parts) == 2 and parts[0] in _CONTAINER_KINDS:
            return self.project_id(name) if parts[0] == "projects" else name
        if len(parts) == 4 and parts[0] == "projects" and parts[2] == "serviceAccounts":
            email = self.unique_ids.get(parts[3], parts[3])
            return f"serviceAccount:{email}" if "@" in email else name
        return resource

    def ancestors(self, container_id: str) -> list[str]:
        """The container and every parent above it, nearest first."""
        chain: list[str] = []
        while container_id and container_id not in chain:
            chain.append(container_id)
            known = self.containers.get(container_id)
            container_id = known.parent_id if known else ""
        return chain

    def gap(self, scope: str, reason: str, detail: str) -> None:
        logger.warning("GCP coverage gap in %s: %s (%s)", scope, reason, detail)
        self.coverage.append(
            CoverageGap(scope=scope, reason=reason, detail=detail, cloud=Cloud.GCP)
        )


def read_estate(inventory: Inventory) -> Estate:
    """Read every ``gcp.*`` document; hierarchy first, so numbers resolve."""
    estate = Estate()
    for kind in _ORDER:
        for document in inventory.of_kind(kind):
            _READERS[kind](estate, document.data, document.path)
    _attach_keys(estate)
    _merge_numbered_projects(estate)
    _containers_of_policies(estate)
    return estate


def _containers_of_policies(estate: Estate) -> None:
    # A container or account whose allow policy was read is known, even
    # with no other metadata.
    for policy in estate.policies:
        scope = estate.scope_id(policy.resource)
        if scope.startswith("serviceAccount:"):
            project = _project_of_resource(policy.resource).removeprefix("projects/")
            account = ServiceAccount(scope.removeprefix("serviceAccount:"))
            account.project = "" if project == "-" else project
            estate.add_service_account(account)
            continue
        kind = _CONTAINER_KINDS.get(scope.split("/")[0])
        if kind is not None and scope.count("/") == 1:
            estate.add_container(Container(scope, kind))


def _merge_numbered_projects(estate: Estate) -> None:
    # A project first seen by number folds into the record named by its id.
    for node_id, container in list(estate.containers.items()):
        canonical = estate.project_id(node_id)
        if container.kind is not NodeKind.GCP_PROJECT or canonical == node_id:
            continue
        del estate.containers[node_id]
        container.node_id = canonical
        container.number = container.number or node_id.removeprefix("projects/")
        estate.add_container(container)
    for container in estate.containers.values():
        if container.parent_id.startswith("projects/"):
            container.parent_id = estate.project_id(container.parent_id)


def _rows(data: Any, *keys: str) -> list[dict[str, Any]]:
    for key in keys:
        if isinstance(data, dict) and isinstance(data.get(key), list):
            data = data[key]
    rows = data if isinstance(data, list) else [data]
    return [r for r in rows if isinstance(r, dict)]


def _parent_ref(parent: Any) -> str:
    if isinstance(parent, dict):
        kind = {"folder": "folders", "organization": "organizations"}.get(
            str(parent.get("type", "")), ""
        )
        return f"{kind}/{parent.get('id')}" if kind else ""
    text = str(parent or "")
    return text.removeprefix("//cloudresourcemanager.googleapis.com/")


def _read_containers(estate: Estate, data: Any, path: str) -> None:
    for row in _rows(data):
        _container_from_data(estate, row)


def _container_from_data(estate: Estate, row: dict[str, Any]) -> None:
    parent = _parent_ref(row.get("parent"))
    if "projectId" in row:
        project_id = f"projects/{row['projectId']}"
        number = str(row.get("projectNumber", ""))
        estate.add_container(
            Container(
                project_id,
                NodeKind.GCP_PROJECT,
                str(row.get("name", "")),
                parent,
                number,
            )
        )
        return
    name = str(row.get("name", ""))
    kind = _CONTAINER_KINDS.get(name.split("/")[0])
    if kind is not None:
        display = str(row.get("displayName", ""))
        estate.add_container(Container(name, kind, display, parent))


def _read_cai(estate: Estate, data: Any, path: str) -> None:
    for row in _rows(data):
        asset_type = str(row.get("asset_type", ""))
        resource = row.get("resource")
        if isinstance(resource, dict) and isinstance(resource.get("data"), dict):
            _read_cai_resource(estate, asset_type, resource["data"], path)
        policy = row.get("iam_policy")
        if isinstance(policy, dict):
            _add_policy(estate, str(row["name"]), policy, path)


def _read_cai_resource(
    estate: Estate, asset_type: str, data: dict[str, Any], path: str
) -> None:
    kind = asset_type.rsplit("/", 1)[-1]
    if asset_type.startswith("cloudresourcemanager.googleapis.com/"):
        _container_from_data(estate, data)
    elif kind == "ServiceAccount":
        _read_service_accounts(estate, [data], path)
    elif kind == "ServiceAccountKey":
        # Keys attach once every account (and its unique id) is known.
        estate.pending_keys.append(data)
    elif kind == "Role":
        _read_roles(estate, [data], path)
    elif kind in {"WorkloadIdentityPool", "WorkloadIdentityPoolProvider"}:
        _read_wif(estate, [data], path)


def _add_policy(
    estate: Estate, resource: str, policy: dict[str, Any], path: str
) -> None:
    bindings = policy.get("bindings")
    if not isinstance(bindings, list):
        bindings = []
    rows = tuple(b for b in bindings if isinstance(b, dict))
    estate.policies.append(Policy(resource=resource, bindings=rows, document=path))


def _read_search(estate: Estate, data: Any, path: str) -> None:
    for row in _rows(data, "results"):
        _hierarchy_from_search(estate, row)
        _add_policy(estate, str(row["resource"]), row["policy"], path)


def _read_wrapped(estate: Estate, data: Any, path: str) -> None:
    _read_search(estate, [data], path)


def _hierarchy_from_search(estate: Estate, row: dict[str, Any]) -> None:
    organization = str(row.get("organization") or "")
    if not organization.startswith("organizations/"):
        organization = ""
    listed = row.get("folders")
    folders = [
        str(f)
        for f in (listed if isinstance(listed, list) else [])
        if str(f).startswith("folders/")
    ]
    # The folders of a result are its ancestors, nearest first.
    chain = [*folders, organization] if organization else folders
    for child, parent in zip(folders, [*chain[1:], ""], strict=False):
        estate.add_container(Container(child, NodeKind.GCP_FOLDER, parent_id=parent))
    if organization:
        estate.add_container(Container(organization, NodeKind.GCP_ORGANIZATION))
    number = str(row.get("project") or "").removeprefix("projects/")
    project_id = _project_of_resource(str(row.get("resource", "")))
    if not number or not project_id:
        return
    estate.add_container(
        Container(
            project_id,
            NodeKind.GCP_PROJECT,
            parent_id=chain[0] if chain else "",
            number=number if number.isdigit() else "",
        )
    )


def _project_of_resource(resource: str) -> str:
    """The ``projects/<x>`` a project or service-account resource name names."""
    for prefix in _SERVICE_PREFIXES:
        if resource.startswith(prefix):
            parts = resource.removeprefix(prefix).split("/")
            if parts[0] == "projects" and len(parts) in (2, 4):
                return f"projects/{parts[1]}"
    return ""


def _read_body(estate: Estate, data: Any, path: str) -> None:
    bindings = data.get("bindings") if isinstance(data, dict) else data
    resource = f"unknown-resource:{path}"
    _add_policy(estate, resource, {"bindings": bindings}, path)
    estate.gap(
        path,
        "unknown-resource",
        "policy body without its resource; bindings kept under an unknown scope",
    )


def _read_service_accounts(estate: Estate, data: Any, path: str) -> None:
    for row in _rows(data, "accounts"):
        email = str(row.get("email", ""))
        if not email:
            continue
        estate.add_service_account(
            ServiceAccount(
                email=email,
                project=str(row.get("projectId", "")),
                unique_id=str(row.get("uniqueId", "")),
                display_name=str(row.get("displayName", "")),
                disabled=bool(row.get("disabled", False)),
                document=path,
            )
        )


def _read_keys(estate: Estate, data: Any, path: str) -> None:
    estate.pending_keys.extend(_rows(data, "keys"))


def _attach_keys(estate: Estate) -> None:
    for key in estate.pending_keys:
        parts = str(key.get("name", "")).split("/")
        if len(parts) < 6 or parts[-2] != "keys":
            continue
        email = estate.unique_ids.get(parts[3], parts[3])
        if "@" not in email:
            continue
        account = estate.add_service_account(ServiceAccount(email=email))
        account.keys.append(key)


def _read_roles(estate: Estate, data: Any, path: str) -> None:
    for row in _rows(data, "roles"):
        name = str(row.get("name", "")).removeprefix("//iam.googleapis.com/")
        usable = not row.get("deleted") and row.get("stage") != "DISABLED"
        perms = row.get("includedPermissions")
        perms = [str(p) for p in perms] if isinstance(perms, list) else []
        estate.custom_roles[name] = frozenset(perms) if usable else frozenset()


def _read_wif(estate: Estate, data: Any, path: str) -> None:
    rows = _rows(data, "workloadIdentityPools", "workloadIdentityPoolProviders")
    for row in rows:
        name = str(row.get("name", "")).removeprefix("//iam.googleapis.com/")
        pool, _, provider = name.partition("/providers/")
        estate.pools.add(pool)
        if provider:
            estate.providers.append(_provider(row, name, pool, path))


def _provider(row: dict[str, Any], name: str, pool: str, path: str) -> Provider:
    issuer = ""
    if isinstance(row.get("oidc"), dict):
        issuer = str(row["oidc"].get("issuerUri", ""))
    elif isinstance(row.get("aws"), dict):
        issuer = f"aws:{row['aws'].get('accountId', '')}"
    elif isinstance(row.get("saml"), dict):
        issuer = "saml"
    mapping = row.get("attributeMapping")
    return Provider(
        name=name,
        pool=pool,
        issuer=issuer,
        attribute_condition=str(row.get("attributeCondition", "") or ""),
        attribute_mapping=mapping if isinstance(mapping, dict) else {},
        disabled=bool(row.get("disabled")) or row.get("state") == "DELETED",
        document=path,
    )


def _read_deny(estate: Estate, data: Any, path: str) -> None:
    for row in _rows(data, "policies"):
        name = str(row.get("name", ""))
        attachment = name.split("/denypolicies/")[0].removeprefix("policies/")
        attachment = attachment.replace("%2F", "/").replace("%2f", "/")
        rules = row.get("rules")
    for index, rule in enumerate(rules if isinstance(rules, list) else []):
        deny = rule.get("denyRule") if isinstance(rule, dict) else None
        if isinstance(deny, dict):
            estate.deny_rules.append(_deny_rule(deny, attachment, name, index, path))


def _deny_rule(
    deny: dict[str, Any], attachment: str, name: str, index: int, path: str
) -> DenyRule:
    condition = deny.get("denialCondition") or {}
    return DenyRule(
        attachment=attachment,
        policy=name,
        index=index,
        denied_principals=_strings(deny.get("deniedPrincipals")),
        exception_principals=_strings(deny.get("exceptionPrincipals")),
        denied_permissions=tuple(deny.get("deniedPermissions") or ()),
        exception_permissions=tuple(deny.get("exceptionPermissions") or ()),
        condition=str(condition.get("expression", "")),
        document=path,
    )


def _read_memberships(estate: Estate, data: Any, path: str) -> None:
    group = str(data["group"])
    group = group if group.startswith("group:") else f"group:{group}"
    for row in _rows(data, "memberships"):
        key = row.get("preferredMemberKey") or row.get("memberKey") or {}
        member = str(key.get("id", "")) if isinstance(key, dict) else ""
        if member:
            prefix = _MEMBER_TYPES.get(str(row.get("type", "USER")), "user")
            estate.memberships.append((f"{prefix}:{member}", group, path))


_MEMBER_TYPES = {"USER": "user", "GROUP": "group", "SERVICE_ACCOUNT": "serviceAccount"}

Reader = Callable[[Estate, Any, str], None]

_READERS: dict[str, Reader] = {
    "gcp.containers": _read_containers,
    "gcp.cai_export": _read_cai,
    "gcp.iam_policy_search": _read_search,
    "gcp.iam_policy": _read_wrapped,
    "gcp.service_accounts": _read_service_accounts,
    "gcp.sa_keys": _read_keys,
    "gcp.custom_roles": _read_roles,
    "gcp.workload_identity": _read_wif,
    "gcp.deny_policies": _read_deny,
    "gcp.group_memberships": _read_memberships,
    "gcp.policy_body": _read_body,
}
_ORDER = tuple(_READERS)


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()
