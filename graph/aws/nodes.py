"""Graph stage, AWS: create nodes for principals, containers and outside parties."""

from __future__ import annotations

from graph.aws.accounts import IamEntity, account_of
from graph.aws.federation import FederatedSubject
from graph.aws.world import AwsWorld
from graph.model import Cloud, NodeKind, Principal
from graph.trustgraph import TrustGraph

PUBLIC = "*"


def add_entity(
    graph: TrustGraph,
    world: AwsWorld,
    entity: IamEntity,
    access_keys: list[dict[str, str]] | None = None,
) -> None:
    """A loaded user, group or role, with the attributes reports read."""
    record = entity.record
    attributes: dict[str, object] = {
        "access_keys": access_keys,
        "path": record.get("Path", "/"),
        "create_date": record.get("CreateDate"),
        "unique_id": record.get(
            {"user": "UserId", "group": "GroupId", "role": "RoleId"}[str(entity.kind)]
        ),
        "source_file": entity.source,
    }
    last_used = (record.get("RoleLastUsed") or {}).get("LastUsedDate")
    if last_used:
        attributes["last_used"] = last_used
    if record.get("PasswordLastUsed"):
        attributes["password_last_used"] = record["PasswordLastUsed"]
    if "MFADevices" in record:
        attributes["mfa_devices"] = len(record.get("MFADevices") or [])
    if entity.boundary is not None:
        attributes["permissions_boundary"] = entity.boundary.name
    if record.get("MaxSessionDuration"):
        attributes["max_session_duration"] = record["MaxSessionDuration"]
    if entity.kind is NodeKind.ROLE and "/aws-service-role/" in entity.arn:
        attributes["service_linked"] = True
    graph.add_principal(
        Principal(
            entity.arn,
            entity.kind,
            cloud=Cloud.AWS,
            name=entity.name,
            container_id=entity.account_id,
            external=False,
            tags=entity.tags,
            attributes={k: v for k, v in attributes.items() if v is not None},
        )
    )


def add_account(graph: TrustGraph, world: AwsWorld, account_id: str) -> None:
    graph.add_principal(
        Principal(
            account_id,
            NodeKind.AWS_ACCOUNT,
            cloud=Cloud.AWS,
            name=world.account_names.get(account_id, account_id),
            container_id=account_id,
            external=world.is_external(account_id),
            attributes={"loaded": account_id in world.accounts},
        )
    )


def account_root_node(graph: TrustGraph, world: AwsWorld, account_id: str) -> str:
    """The root ARN standing for any principal of an account not loaded."""
    node_id = f"arn:aws:iam::{account_id}:root"
    add_account(graph, world, account_id)
    name = world.account_names.get(account_id, account_id)
    graph.add_principal(
        Principal(
            node_id,
            NodeKind.ACCOUNT_ROOT,
            cloud=Cloud.AWS,
            name=f"any principal of {name}",
            container_id=account_id,
            external=world.is_external(account_id),
            attributes={"placeholder": account_id not in world.accounts},
        )
    )
    return node_id


def ensure_arn_node(graph: TrustGraph, world: AwsWorld, arn: str) -> str:
    """A principal named by ARN that no loaded export describes."""
    if arn in graph:
        return arn
    account_id = account_of(arn)
    add_account(graph, world, account_id)
    resource = arn.split(":", 5)[-1]
    kind = {
        "user": NodeKind.USER,
        "role": NodeKind.ROLE,
    }.get(resource.split("/", 1)[0], NodeKind.USER)
    graph.add_principal(
        Principal(
            arn,
            kind,
            cloud=Cloud.AWS,
            name=resource.rsplit("/", 1)[-1],
            container_id=account_id,
            external=world.is_external(account_id),
            attributes={"placeholder": True},
        )
    )
    return arn


def public_node(graph: TrustGraph) -> str:
    graph.add_principal(
        Principal(
            PUBLIC, NodeKind.PUBLIC, cloud=Cloud.EXTERNAL, name="anyone", external=True
        )
    )
    return PUBLIC


def service_node(graph: TrustGraph, service: str) -> str:
    node_id = f"service:{service}"
    graph.add_principal(
        Principal(node_id, NodeKind.SERVICE, cloud=Cloud.AWS, name=service)
    )
    return node_id


def provider_node(graph: TrustGraph, world: AwsWorld, arn: str, *, saml: bool) -> str:
    account_id = account_of(arn)
    kind = NodeKind.SAML_PROVIDER if saml else NodeKind.OIDC_PROVIDER
    name = arn.split("-provider/", 1)[-1]
    graph.add_principal(
        Principal(
            arn,
            kind,
            cloud=Cloud.AWS,
            name=name,
            container_id=account_id,
            external=True,
            attributes={"issuer": name},
        )
    )
    return arn


def subject_node(
    graph: TrustGraph,
    issuer: str,
    provider: str,
    subject: FederatedSubject,
) -> str:
    """Tokens of an issuer whose subject matches a pattern."""
    node_id = f"oidc:{issuer}:{subject.pattern}"
    graph.add_principal(
        Principal(
            node_id,
            NodeKind.FEDERATED_SUBJECT,
            cloud=Cloud.EXTERNAL,
            name=f"{issuer} {subject.pattern}",
            external=True,
            attributes={
                "issuer": issuer,
                "provider": provider,
                "pattern": subject.pattern,
                "subject_scope": subject.scope,
            },
        )
    )
    return node_id


def caller_hub_node(graph: TrustGraph, world: AwsWorld, account_id: str) -> str:
    """The root ARN of a loaded account, standing for its principals that may
    assume any role (see :meth:`AwsWorld._wildcard_grant`)."""
    node_id = f"arn:aws:iam::{account_id}:root"
    name = world.account_names.get(account_id, account_id)
    graph.add_principal(
        Principal(
            node_id,
            NodeKind.ACCOUNT_ROOT,
            cloud=Cloud.AWS,
            name=f"principals of {name} that may assume any role",
            container_id=account_id,
            external=False,
            attributes={"caller_set": True},
        )
    )
    return node_id


def org_hub_node(graph: TrustGraph, world: AwsWorld) -> str:
    """Every loaded principal of the organisation that may assume any role."""
    graph.add_principal(
        Principal(
            world.org_hub,
            NodeKind.CALLER_SET,
            cloud=Cloud.AWS,
            name="organisation principals that may assume any role",
            attributes={"caller_set": True},
        )
    )
    return world.org_hub
