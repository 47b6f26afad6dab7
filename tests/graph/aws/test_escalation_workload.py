"""Techniques through compute already running as a role, with or without inventory."""

from __future__ import annotations

from typing import Any

import pytest

from graph.aws.techniques_workload import SERVICE, TECHNIQUES
from graph.aws.workloads import CODEBUILD, EC2, GLUE, LAMBDA, NOTEBOOK, STACK
from graph.load import recognize
from graph.model import Mechanism
from tests.graph.aws.escalation_cases import (
    ACCOUNT,
    admin_role,
    allow,
    arn,
    build,
    user,
)

SOURCE = arn("user", "dev")
TARGET = arn("role", "target")
IDS = [t.technique_id for t in TECHNIQUES]
REGION = "eu-west-1"


def _export(kind: str, name: str, role_arn: str) -> tuple[str, dict[str, Any]]:
    """The AWS CLI's own export of one workload, as its recognised kind."""
    if kind == LAMBDA:
        data: dict[str, Any] = {
            "Functions": [
                {
                    "FunctionName": name,
                    "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
                    "Role": role_arn,
                }
            ]
        }
    elif kind == EC2:
        data = {
            "Reservations": [
                {
                    "OwnerId": ACCOUNT,
                    "Instances": [
                        {
                            "InstanceId": name,
                            "State": {"Name": "running"},
                            "Placement": {"AvailabilityZone": f"{REGION}a"},
                            "IamInstanceProfile": {
                                "Arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/target"
                            },
                        }
                    ],
                }
            ]
        }
    elif kind == STACK:
        stack_id = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{name}/1"
        data = {
            "Stacks": [{"StackName": name, "StackId": stack_id, "RoleARN": role_arn}]
        }
    elif kind == CODEBUILD:
        project = f"arn:aws:codebuild:{REGION}:{ACCOUNT}:project/{name}"
        data = {"projects": [{"name": name, "arn": project, "serviceRole": role_arn}]}
    elif kind == NOTEBOOK:
        notebook = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:notebook-instance/{name}"
        data = {
            "NotebookInstanceArn": notebook,
            "NotebookInstanceName": name,
            "RoleArn": role_arn,
        }
    else:
        assert kind == GLUE
        data = {
            "DevEndpoints": [
                {
                    "EndpointName": name,
                    "RoleArn": role_arn,
                    "AvailabilityZone": f"{REGION}a",
                }
            ]
        }
    found = recognize(data)
    assert found is not None
    return found, data


def _resource(kind: str, name: str) -> str:
    return {
        LAMBDA: f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
        EC2: f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{name}",
        STACK: f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{name}/*",
        CODEBUILD: f"arn:aws:codebuild:{REGION}:{ACCOUNT}:project/{name}",
        NOTEBOOK: f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:notebook-instance/{name}",
        GLUE: f"arn:aws:glue:{REGION}:{ACCOUNT}:devEndpoint/{name}",
    }[kind]


def _target(technique: Any, service: str = "") -> dict[str, Any]:
    return admin_role(
        services=(service or SERVICE[technique.workload],),
        profile=technique.workload == EC2,
    )


@pytest.mark.parametrize("technique", TECHNIQUES, ids=IDS)
def test_without_inventory_the_edge_is_conditional(technique: Any) -> None:
    graph = build(user("dev", allow(list(technique.actions))), _target(technique))

    edge = graph.edge(SOURCE, TARGET, technique.mechanism)
    assert edge is not None and edge.conditional
    assert [c.key for c in edge.conditions] == [f"workload:{technique.workload}"]
    assert "requires an existing" in edge.conditions[0].note


@pytest.mark.parametrize("technique", TECHNIQUES, ids=IDS)
def test_without_inventory_the_role_must_trust_the_service(technique: Any) -> None:
    graph = build(
        user("dev", allow(list(technique.actions))),
        _target(technique, service="states.amazonaws.com"),
    )
    assert graph.edge(SOURCE, TARGET, technique.mechanism) is None


@pytest.mark.parametrize("technique", TECHNIQUES, ids=IDS)
def test_inventory_makes_the_edge_certain(technique: Any) -> None:
    export = _export(technique.workload, "app", TARGET)
    policy = allow(list(technique.actions), _resource(technique.workload, "app"))
    graph = build(user("dev", policy), _target(technique), extra=(export,))

    edge = graph.edge(SOURCE, TARGET, technique.mechanism)
    assert edge is not None and not edge.conditional
    assert any(e.detail == f"runs as {TARGET}" for e in edge.evidence)


@pytest.mark.parametrize("technique", TECHNIQUES, ids=IDS)
def test_inventory_scopes_by_the_workload_resource(technique: Any) -> None:
    export = _export(technique.workload, "app", TARGET)
    policy = allow(list(technique.actions), _resource(technique.workload, "other"))
    graph = build(user("dev", policy), _target(technique), extra=(export,))
    assert graph.edge(SOURCE, TARGET, technique.mechanism) is None


def test_inventory_without_the_workload_means_no_edge() -> None:
    export = _export(LAMBDA, "app", arn("role", "small"))
    graph = build(
        user("dev", allow("lambda:UpdateFunctionCode")),
        admin_role(services=("lambda.amazonaws.com",)),
        admin_role("small", services=("lambda.amazonaws.com",)),
        extra=(export,),
    )
    targets = {e.target for e in graph.out_edges(SOURCE)}
    assert targets == {arn("role", "small")}


def test_instances_map_to_roles_through_an_instance_profile_export() -> None:
    profiles = {
        "InstanceProfiles": [
            {
                "InstanceProfileName": "web",
                "Arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/web",
                "Roles": [{"RoleName": "target", "Arn": TARGET}],
            }
        ]
    }
    instances = _export(EC2, "i-0abc", TARGET)[1]
    profile = instances["Reservations"][0]["Instances"][0]["IamInstanceProfile"]
    profile["Arn"] = f"arn:aws:iam::{ACCOUNT}:instance-profile/web"
    graph = build(
        user("dev", allow("ssm:SendCommand", _resource(EC2, "i-0abc"))),
        admin_role(services=("ec2.amazonaws.com",)),
        extra=(
            (recognize(profiles) or "", profiles),
            ("aws.ec2_instances", instances),
        ),
    )
    (edge,) = graph.out_edges(SOURCE)
    assert (edge.target, edge.mechanism, edge.conditional) == (
        TARGET,
        Mechanism.RUN_COMMAND,
        False,
    )
