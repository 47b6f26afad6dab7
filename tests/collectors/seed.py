"""Seed moto with a small organisation whose trusts cross account lines."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import boto3

MANAGEMENT = "123456789012"
OUTSIDE = "999988887777"
AUDIT_ROLE = "OrganizationAccountAccessRole"
ADMIN_DOCUMENT = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
)

SCP_DENY_LEAVE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Deny",
            "Action": "organizations:LeaveOrganization",
            "Resource": "*",
        }
    ],
}


@dataclass(slots=True)
class SeededOrg:
    """Ids the tests assert on."""

    management: str = MANAGEMENT
    members: dict[str, str] = field(default_factory=dict)
    ou_id: str = ""
    scp_id: str = ""
    access_key_ids: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)

    @property
    def accounts(self) -> list[str]:
        return [self.management, *self.members.values()]


def allow_assume(*role_arns: str) -> str:
    statement = {
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Resource": list(role_arns),
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def trust(*principals: str, external_id: str = "") -> str:
    statement: dict[str, object] = {
        "Effect": "Allow",
        "Principal": {"AWS": list(principals)},
        "Action": "sts:AssumeRole",
    }
    if external_id:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def seed_org(member_names: tuple[str, ...] = ("prod", "dev", "audit")) -> SeededOrg:
    """Management account plus members, an OU with an SCP, and trusts across them.

    One writer, in order: moto can fail under concurrent writes.
    """
    seeded = SeededOrg()
    base = boto3.Session()
    org = base.client("organizations")
    org.create_organization(FeatureSet="ALL")
    for name in member_names:
        status = org.create_account(Email=f"{name}@example.com", AccountName=name)
        seeded.members[name] = status["CreateAccountStatus"]["AccountId"]

    root_id = org.list_roots()["Roots"][0]["Id"]
    unit = org.create_organizational_unit(ParentId=root_id, Name="workloads")
    seeded.ou_id = unit["OrganizationalUnit"]["Id"]
    for name in ("prod", "dev"):
        org.move_account(
            AccountId=seeded.members[name],
            SourceParentId=root_id,
            DestinationParentId=seeded.ou_id,
        )
    policy = org.create_policy(
        Content=json.dumps(SCP_DENY_LEAVE),
        Description="members stay",
        Name="deny-leave",
        Type="SERVICE_CONTROL_POLICY",
    )
    seeded.scp_id = policy["Policy"]["PolicySummary"]["Id"]
    org.attach_policy(PolicyId=seeded.scp_id, TargetId=seeded.ou_id)

    _seed_management(base.client("iam"), seeded)
    _seed_prod(_member_iam(base, seeded.members["prod"]), seeded)
    _seed_dev(_member_iam(base, seeded.members["dev"]), seeded)
    return seeded


def _member_iam(base: boto3.Session, account_id: str) -> object:
    credentials = base.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/{AUDIT_ROLE}",
        RoleSessionName="seed",
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    ).client("iam")


def _seed_management(iam: object, seeded: SeededOrg) -> None:
    iam.create_user(UserName="alice", Tags=[{"Key": "team", "Value": "platform"}])
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    seeded.access_key_ids.append(key["AccessKeyId"])
    seeded.secrets.append(key["SecretAccessKey"])
    iam.create_role(
        RoleName="ci",
        AssumeRolePolicyDocument=trust(f"arn:aws:iam::{MANAGEMENT}:user/alice"),
    )
    prod = seeded.members["prod"]
    iam.put_role_policy(
        RoleName="ci",
        PolicyName="deploy-to-prod",
        PolicyDocument=allow_assume(f"arn:aws:iam::{prod}:role/deploy"),
    )
    iam.create_open_id_connect_provider(
        Url="https://token.actions.githubusercontent.com",
        ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"],
    )


def _seed_prod(iam: object, seeded: SeededOrg) -> None:
    iam.create_role(
        RoleName="deploy",
        AssumeRolePolicyDocument=trust(f"arn:aws:iam::{MANAGEMENT}:role/ci"),
        Tags=[{"Key": "owner", "Value": "platform"}],
    )
    dev = seeded.members["dev"]
    iam.put_role_policy(
        RoleName="deploy",
        PolicyName="read-dev",
        PolicyDocument=allow_assume(f"arn:aws:iam::{dev}:role/reader"),
    )
    iam.create_role(
        RoleName="vendor",
        AssumeRolePolicyDocument=trust(f"arn:aws:iam::{OUTSIDE}:root"),
    )
    iam.create_saml_provider(
        Name="corp-idp",
        SAMLMetadataDocument="<EntityDescriptor entityID='corp'/>" * 40,
    )


def _seed_dev(iam: object, seeded: SeededOrg) -> None:
    prod = seeded.members["prod"]
    iam.create_role(
        RoleName="reader",
        AssumeRolePolicyDocument=trust(f"arn:aws:iam::{prod}:role/deploy"),
    )
    admin = iam.create_policy(PolicyName="everything", PolicyDocument=ADMIN_DOCUMENT)
    iam.attach_role_policy(RoleName="reader", PolicyArn=admin["Policy"]["Arn"])
