"""PassRole techniques: one positive and one-detail negatives per technique."""

from __future__ import annotations

import pytest

from graph.aws.techniques_passrole import TECHNIQUES
from graph.model import Mechanism
from queries.paths import principals_reaching_admin
from tests.graph.aws.escalation_cases import (
    ACCOUNT,
    admin_role,
    allow,
    arn,
    build,
    deny,
    document,
    scp_file,
    user,
)

SOURCE = arn("user", "dev")
TARGET = arn("role", "target")
IDS = [t.technique_id for t in TECHNIQUES]


def _needs_profile(technique) -> bool:  # type: ignore[no-untyped-def]
    return technique.workload == "instance-profile"


def _target(technique, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("services", (technique.service,))
    kwargs.setdefault("profile", _needs_profile(technique))
    return admin_role(**kwargs)


@pytest.mark.parametrize("technique", TECHNIQUES, ids=IDS)
def test_pass_role_reaches_the_role(technique) -> None:  # type: ignore[no-untyped-def]
    graph = build(user("dev", allow(list(technique.actions))), _target(technique))

    edge = graph.edge(SOURCE, TARGET, Mechanism.PASS_ROLE)
    assert edge is not None and not edge.conditional
    granted = {e.detail.split(" ")[1] for e in edge.evidence if e.detail}
    assert granted == set(technique.actions)
    assert principals_reaching_admin(graph)[SOURCE].nodes == (SOURCE, TARGET)


@pytest.mark.parametrize("technique", TECHNIQUES, ids=IDS)
def test_role_must_trust_the_service(technique) -> None:  # type: ignore[no-untyped-def]
    other = "states.amazonaws.com"
    graph = build(
        user("dev", allow(list(technique.actions))),
        _target(technique, services=(other,)),
    )
    assert graph.edge(SOURCE, TARGET, Mechanism.PASS_ROLE) is None


@pytest.mark.parametrize("technique", TECHNIQUES, ids=IDS)
def test_every_action_is_needed(technique) -> None:  # type: ignore[no-untyped-def]
    graph = build(user("dev", allow(list(technique.actions[:-1]))), _target(technique))
    assert graph.edge(SOURCE, TARGET, Mechanism.PASS_ROLE) is None


@pytest.mark.parametrize("technique", TECHNIQUES, ids=IDS)
def test_pass_role_is_scoped_by_resource(technique) -> None:  # type: ignore[no-untyped-def]
    others = [a for a in technique.actions if a != "iam:PassRole"]
    policy = (allow(others), allow("iam:PassRole", arn("role", "other")))
    graph = build(user("dev", *policy), _target(technique))
    assert graph.edge(SOURCE, TARGET, Mechanism.PASS_ROLE) is None


@pytest.mark.parametrize(
    ("service", "expected"),
    [("lambda.amazonaws.com", True), ("ec2.amazonaws.com", False)],
)
def test_passed_to_service_condition(service: str, expected: bool) -> None:
    condition = {"StringEquals": {"iam:PassedToService": service}}
    graph = build(
        user(
            "dev",
            allow(["lambda:CreateFunction", "lambda:InvokeFunction"]),
            allow("iam:PassRole", TARGET, Condition=condition),
        ),
        admin_role(services=("lambda.amazonaws.com",)),
    )
    assert (graph.edge(SOURCE, TARGET, Mechanism.PASS_ROLE) is not None) is expected


@pytest.mark.parametrize(("profile", "expected"), [(True, True), (False, False)])
def test_ec2_needs_an_instance_profile(profile: bool, expected: bool) -> None:
    graph = build(
        user("dev", allow(["iam:PassRole", "ec2:RunInstances"])),
        admin_role(services=("ec2.amazonaws.com",), profile=profile),
    )
    assert (graph.edge(SOURCE, TARGET, Mechanism.PASS_ROLE) is not None) is expected


def test_ec2_without_profile_when_one_can_be_made() -> None:
    actions = [
        "iam:PassRole",
        "ec2:RunInstances",
        "iam:CreateInstanceProfile",
        "iam:AddRoleToInstanceProfile",
    ]
    graph = build(
        user("dev", allow(actions)), admin_role(services=("ec2.amazonaws.com",))
    )
    assert graph.edge(SOURCE, TARGET, Mechanism.PASS_ROLE) is not None


def test_an_explicit_deny_removes_the_edge() -> None:
    graph = build(
        user("dev", allow(["iam:PassRole", "glue:CreateDevEndpoint"]), deny("glue:*")),
        admin_role(services=("glue.amazonaws.com",)),
    )
    assert graph.edge(SOURCE, TARGET, Mechanism.PASS_ROLE) is None


def test_an_scp_deny_blocks_and_is_recorded() -> None:
    scps = scp_file(
        ("full", document(allow("*")), ["r-root"]),
        ("no-glue", document(deny("glue:CreateDevEndpoint")), [ACCOUNT]),
    )
    graph = build(
        user("dev", allow(["iam:PassRole", "glue:CreateDevEndpoint"])),
        admin_role(services=("glue.amazonaws.com",)),
        extra=(("aws.org_policies", scps),),
    )
    assert graph.edge(SOURCE, TARGET, Mechanism.PASS_ROLE) is None
    blocked = {(b.edge.source, b.edge.target, b.edge.mechanism) for b in graph.blocked}
    assert (SOURCE, TARGET, Mechanism.PASS_ROLE) in blocked


def test_a_boundary_without_pass_role_blocks() -> None:
    boundary = {
        "PolicyName": "boundary",
        "Arn": arn("policy", "boundary"),
        "PolicyVersionList": [
            {
                "Document": document(allow("glue:*")),
                "VersionId": "v1",
                "IsDefaultVersion": True,
            }
        ],
    }
    graph = build(
        user(
            "dev",
            allow(["iam:PassRole", "glue:CreateDevEndpoint"]),
            boundary=arn("policy", "boundary"),
        ),
        admin_role(services=("glue.amazonaws.com",)),
        policies=(boundary,),
    )
    assert graph.edge(SOURCE, TARGET, Mechanism.PASS_ROLE) is None
    assert [b.guardrail.statement for b in graph.blocked] == ["boundary"]


def test_roles_of_another_account_are_not_targets() -> None:
    graph = build(
        user("dev", allow(["iam:PassRole", "glue:CreateDevEndpoint"])),
        admin_role(services=("glue.amazonaws.com",), account="222222222222"),
    )
    assert list(graph.edges(Mechanism.PASS_ROLE)) == []
