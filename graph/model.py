"""Typed values of the trust graph: principals, trust edges, findings, coverage."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Cloud(StrEnum):
    AWS = "aws"
    GCP = "gcp"
    AZURE = "azure"
    EXTERNAL = "external"


class NodeKind(StrEnum):
    # principals
    USER = "user"
    GROUP = "group"
    ROLE = "role"
    ACCOUNT_ROOT = "account_root"
    SERVICE = "service"
    OIDC_PROVIDER = "oidc_provider"
    SAML_PROVIDER = "saml_provider"
    FEDERATED_SUBJECT = "federated_subject"
    PUBLIC = "public"
    SERVICE_ACCOUNT = "service_account"
    SERVICE_AGENT = "service_agent"
    DOMAIN = "domain"
    WORKLOAD_POOL = "workload_pool"
    MANAGED_IDENTITY = "managed_identity"
    SERVICE_PRINCIPAL = "service_principal"
    APP_REGISTRATION = "app_registration"
    INSTANCE_PROFILE = "instance_profile"
    CALLER_SET = "caller_set"
    # containers
    AWS_ACCOUNT = "aws_account"
    AWS_ORGANIZATION = "aws_organization"
    GCP_ORGANIZATION = "gcp_organization"
    GCP_FOLDER = "gcp_folder"
    GCP_PROJECT = "gcp_project"
    AZURE_TENANT = "azure_tenant"
    MANAGEMENT_GROUP = "management_group"
    SUBSCRIPTION = "subscription"
    RESOURCE_GROUP = "resource_group"


CONTAINER_KINDS = frozenset(
    {
        NodeKind.AWS_ACCOUNT,
        NodeKind.AWS_ORGANIZATION,
        NodeKind.GCP_ORGANIZATION,
        NodeKind.GCP_FOLDER,
        NodeKind.GCP_PROJECT,
        NodeKind.AZURE_TENANT,
        NodeKind.MANAGEMENT_GROUP,
        NodeKind.SUBSCRIPTION,
        NodeKind.RESOURCE_GROUP,
    }
)


class Mechanism(StrEnum):
    ASSUME_ROLE = "assume_role"
    ASSUME_ROLE_WEB_IDENTITY = "assume_role_web_identity"
    ASSUME_ROLE_SAML = "assume_role_saml"
    IMPERSONATE = "impersonate"
    ACT_AS = "act_as"
    MEMBER_OF = "member_of"
    FEDERATE = "federate"
    ROLE_ASSIGNMENT = "role_assignment"
    # escalation techniques
    CREATE_POLICY_VERSION = "create_policy_version"
    SET_DEFAULT_POLICY_VERSION = "set_default_policy_version"
    ATTACH_POLICY = "attach_policy"
    PUT_INLINE_POLICY = "put_inline_policy"
    ADD_USER_TO_GROUP = "add_user_to_group"
    UPDATE_TRUST_POLICY = "update_trust_policy"
    CREATE_ACCESS_KEY = "create_access_key"
    CREATE_LOGIN_PROFILE = "create_login_profile"
    UPDATE_LOGIN_PROFILE = "update_login_profile"
    DELETE_PERMISSIONS_BOUNDARY = "delete_permissions_boundary"
    PUT_PERMISSIONS_BOUNDARY = "put_permissions_boundary"
    PASS_ROLE = "pass_role"
    MODIFY_WORKLOAD = "modify_workload"
    SET_IAM_POLICY = "set_iam_policy"
    UPDATE_CUSTOM_ROLE = "update_custom_role"
    CREATE_SA_KEY = "create_sa_key"
    CREATE_HMAC_KEY = "create_hmac_key"
    SET_ORG_POLICY = "set_org_policy"
    ROLE_ASSIGNMENT_WRITE = "role_assignment_write"
    ADD_APP_SECRET = "add_app_secret"
    RUN_COMMAND = "run_command"
    READ_SECRET = "read_secret"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse: info=0 ... critical=4."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}


class Verdict(StrEnum):
    """How a condition is judged offline."""

    ALWAYS = "always"
    NEVER = "never"
    DEPENDS = "depends"


@dataclass(frozen=True, slots=True)
class Condition:
    """One parsed condition clause and its offline verdict."""

    operator: str
    key: str
    values: tuple[str, ...] = ()
    verdict: Verdict = Verdict.DEPENDS
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "operator": self.operator,
            "key": self.key,
            "values": list(self.values),
            "verdict": str(self.verdict),
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Evidence:
    """Which document and statement granted (or shows) something."""

    document: str
    statement: str
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "statement": self.statement,
            "detail": self.detail,
        }

    def __str__(self) -> str:
        text = f"{self.document} [{self.statement}]"
        return f"{text}: {self.detail}" if self.detail else text


@dataclass(frozen=True, slots=True)
class Principal:
    """A node of the graph: something that holds or grants identity."""

    node_id: str
    kind: NodeKind
    cloud: Cloud = Cloud.AWS
    name: str = ""
    container_id: str = ""
    external: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)
    attributes: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_container(self) -> bool:
        return self.kind in CONTAINER_KINDS

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.node_id,
            "kind": str(self.kind),
            "cloud": str(self.cloud),
            "name": self.name,
            "container": self.container_id,
            "external": self.external,
            "tags": dict(self.tags),
            "attributes": _jsonable(dict(self.attributes)),
        }


@dataclass(frozen=True, slots=True)
class TrustEdge:
    """Edge source -> target: source can obtain target's power."""

    source: str
    target: str
    mechanism: Mechanism
    conditions: tuple[Condition, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    cross_boundary: bool = False

    @property
    def conditional(self) -> bool:
        return any(c.verdict is Verdict.DEPENDS for c in self.conditions)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "mechanism": str(self.mechanism),
            "conditions": [c.to_json() for c in self.conditions],
            "evidence": [e.to_json() for e in self.evidence],
            "cross_boundary": self.cross_boundary,
            "conditional": self.conditional,
        }


@dataclass(frozen=True, slots=True)
class BlockedEdge:
    """A would-be edge that a guardrail removed, and which guardrail."""

    edge: TrustEdge
    guardrail: Evidence

    def to_json(self) -> dict[str, Any]:
        return {"edge": self.edge.to_json(), "guardrail": self.guardrail.to_json()}


@dataclass(frozen=True, slots=True)
class CoverageGap:
    """Something that could not be read, and why."""

    scope: str
    reason: str
    detail: str = ""
    cloud: Cloud | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "reason": self.reason,
            "detail": self.detail,
            "cloud": str(self.cloud) if self.cloud else None,
        }


@dataclass(frozen=True, slots=True)
class PolicyNote:
    """A document-level observation made while building (invalid element, ...)."""

    rule: str
    subject: str
    evidence: Evidence
    message: str
    severity: Severity = Severity.MEDIUM


@dataclass(frozen=True, slots=True)
class Finding:
    """A reported problem with its proof."""

    rule: str
    severity: Severity
    subject: str = ""
    path: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    remediation: str = ""
    title: str = ""
    key: str = ""
    edges: tuple[TrustEdge, ...] = ()

    @property
    def fingerprint(self) -> str:
        """Stable across runs for the same problem (rule, subject, key, path)."""
        basis = "\x1f".join((self.rule, self.subject, self.key, *self.path))
        return hashlib.sha256(basis.encode()).hexdigest()[:24]

    def _repr_html_(self) -> str:
        from html import escape

        hops = " &rarr; ".join(escape(n) for n in self.path)
        proof = "".join(f"<li>{escape(str(e))}</li>" for e in self.evidence)
        return (
            f"<div><strong>{escape(str(self.severity))}</strong> "
            f"<code>{escape(self.rule)}</code> {escape(self.subject)}"
            f"<div>{escape(self.title)}</div>"
            + (f"<div>{hops}</div>" if hops else "")
            + f"<ul>{proof}</ul><em>{escape(self.remediation)}</em></div>"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": str(self.severity),
            "subject": self.subject,
            "path": list(self.path),
            "title": self.title,
            "evidence": [e.to_json() for e in self.evidence],
            "remediation": self.remediation,
            "fingerprint": self.fingerprint,
            "edges": [e.to_json() for e in self.edges],
        }


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a snapshot holds and what it could not read."""

    tool_version: str
    started_at: str
    finished_at: str = ""
    cloud: Cloud = Cloud.AWS
    caller: str = ""
    scopes: tuple[str, ...] = ()
    complete: tuple[str, ...] = ()
    coverage: tuple[CoverageGap, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": "crosstrust.manifest/1",
            "tool_version": self.tool_version,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "cloud": str(self.cloud),
            "caller": self.caller,
            "scopes": list(self.scopes),
            "complete": list(self.complete),
            "coverage": [g.to_json() for g in self.coverage],
        }


def _jsonable(value: Any) -> Any:
    """Round-trip through json with str() fallback for odd values."""
    return json.loads(json.dumps(value, default=str))
