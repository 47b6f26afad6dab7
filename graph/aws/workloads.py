"""Graph stage, AWS: inventory of compute that already runs as a role.

Read from the AWS CLI's own exports (``aws lambda list-functions``,
``aws ec2 describe-instances`` with instance profiles,
``aws cloudformation describe-stacks``, ``aws codebuild batch-get-projects``,
``aws sagemaker describe-notebook-instance`` / ``list-notebook-instances``,
``aws glue get-dev-endpoints``). Each workload names the role it runs as, so
an escalation that edits or enters it leads to that role.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from graph.aws.accounts import AccountData, account_of
from graph.load import Inventory

logger = logging.getLogger(__name__)

LAMBDA = "lambda-function"
EC2 = "ec2-instance"
STACK = "cloudformation-stack"
CODEBUILD = "codebuild-project"
NOTEBOOK = "sagemaker-notebook"
GLUE = "glue-dev-endpoint"

ARN_ACCOUNT = re.compile(r"^arn:aws[\w-]*:[\w-]+:[\w-]*:(\d{12}):")


@dataclass(frozen=True, slots=True)
class Workload:
    """One running resource and the role it runs as."""

    kind: str
    arn: str
    role_arn: str
    account_id: str
    source: str


@dataclass(slots=True)
class WorkloadInventory:
    """Workloads by account and kind; which kinds were exported at all."""

    workloads: list[Workload] = field(default_factory=list)
    exported: set[tuple[str, str]] = field(default_factory=set)
    profile_roles: dict[str, list[str]] = field(default_factory=dict)

    def known(self, account_id: str, kind: str) -> bool:
        """Whether an export of this kind covers the account."""
        return (account_id, kind) in self.exported or ("", kind) in self.exported

    def of(self, account_id: str, kind: str) -> list[Workload]:
        return [
            w for w in self.workloads if w.kind == kind and w.account_id == account_id
        ]


def _account(arn: str) -> str:
    match = ARN_ACCOUNT.match(arn)
    return match.group(1) if match else account_of(arn)


def _lambda(data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for item in data.get("Functions") or []:
        if isinstance(item, dict) and item.get("FunctionArn") and item.get("Role"):
            yield str(item["FunctionArn"]), str(item["Role"])


def _stacks(data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for item in data.get("Stacks") or []:
        if isinstance(item, dict) and item.get("StackId") and item.get("RoleARN"):
            yield str(item["StackId"]), str(item["RoleARN"])


def _codebuild(data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for item in data.get("projects") or []:
        if isinstance(item, dict) and item.get("arn") and item.get("serviceRole"):
            yield str(item["arn"]), str(item["serviceRole"])


def _notebooks(data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    items = data.get("NotebookInstances")
    for item in items if isinstance(items, list) else [data]:
        if isinstance(item, dict) and item.get("NotebookInstanceArn"):
            # list-notebook-instances omits the role; describe has it.
            if item.get("RoleArn"):
                yield str(item["NotebookInstanceArn"]), str(item["RoleArn"])


def _glue(data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for item in data.get("DevEndpoints") or []:
        if not (isinstance(item, dict) and item.get("RoleArn")):
            continue
        role = str(item["RoleArn"])
        zone = str(item.get("AvailabilityZone") or "")
        region = zone[:-1] if zone else "*"
        name = item.get("EndpointName", "?")
        yield f"arn:aws:glue:{region}:{_account(role)}:devEndpoint/{name}", role


READERS: dict[
    str, tuple[str, Callable[[dict[str, Any]], Iterator[tuple[str, str]]]]
] = {
    "aws.lambda_functions": (LAMBDA, _lambda),
    "aws.cloudformation_stacks": (STACK, _stacks),
    "aws.codebuild_projects": (CODEBUILD, _codebuild),
    "aws.sagemaker_notebooks": (NOTEBOOK, _notebooks),
    "aws.glue_dev_endpoints": (GLUE, _glue),
}


def load_workloads(
    inventory: Inventory, accounts: dict[str, AccountData]
) -> WorkloadInventory:
    """Every exported workload, and instance profiles from every source."""
    result = WorkloadInventory()
    _profiles_from_authz(result, accounts)
    for document in inventory.of_kind("aws.instance_profiles"):
        for profile in document.data.get("InstanceProfiles") or []:
            _add_profile(result, profile)
    for kind_name, (kind, reader) in READERS.items():
        for document in inventory.of_kind(kind_name):
            _read(result, kind, reader(document.data), document.path)
    for document in inventory.of_kind("aws.ec2_instances"):
        _read(result, EC2, _instances(result, document.data), document.path)
    logger.info("aws: %d workloads that run as a role", len(result.workloads))
    return result


def _read(
    result: WorkloadInventory,
    kind: str,
    pairs: Iterator[tuple[str, str]],
    path: str,
) -> None:
    accounts = set()
    for arn, role_arn in pairs:
        account_id = _account(arn) or _account(role_arn)
        accounts.add(account_id)
        result.workloads.append(Workload(kind, arn, role_arn, account_id, path))
    # An export with no workload still proves the account has none of them,
    # but it does not say which account: it then covers every account.
    for account_id in accounts or {""}:
        result.exported.add((account_id, kind))


def _profiles_from_authz(
    result: WorkloadInventory, accounts: dict[str, AccountData]
) -> None:
    for account in accounts.values():
        for role in account.roles.values():
            profiles = role.record.get("InstanceProfileList")
            for profile in profiles if isinstance(profiles, list) else []:
                _add_profile(result, profile)


def _add_profile(result: WorkloadInventory, profile: Any) -> None:
    if not isinstance(profile, dict) or not profile.get("Arn"):
        return
    roles = result.profile_roles.setdefault(str(profile["Arn"]), [])
    for role in profile.get("Roles") or []:
        if isinstance(role, dict) and role.get("Arn") and role["Arn"] not in roles:
            roles.append(str(role["Arn"]))


def _instances(
    result: WorkloadInventory, data: dict[str, Any]
) -> Iterator[tuple[str, str]]:
    for reservation in data.get("Reservations") or []:
        if not isinstance(reservation, dict):
            continue
        owner = str(reservation.get("OwnerId") or "")
        for instance in reservation.get("Instances") or []:
            if not isinstance(instance, dict) or not instance.get("InstanceId"):
                continue
            state = (instance.get("State") or {}).get("Name", "running")
            profile = (instance.get("IamInstanceProfile") or {}).get("Arn")
            if state == "terminated" or not profile:
                continue
            zone = (instance.get("Placement") or {}).get("AvailabilityZone", "")
            region = zone[:-1] if zone else "*"
            account_id = owner or _account(str(profile))
            arn = f"arn:aws:ec2:{region}:{account_id}:instance/{instance['InstanceId']}"
            for role_arn in result.profile_roles.get(str(profile), []):
                yield arn, role_arn
