"""Graph stage, AWS: escalation by passing a role to new compute that runs as it.

Each row names the service the role is passed to and the actions that
create and start the compute. A target role must be in the caller's account
and its trust policy must let that service assume it (the trust builder's
``service:<principal>`` edge); ``iam:PassRole`` is evaluated on the role's
ARN with ``iam:PassedToService`` set to the service. EC2 targets also need
an instance profile, or the right to create one.
"""

from __future__ import annotations

from collections.abc import Callable

from graph.aws.escalation import Actor, Escalation, Grant, Technique
from graph.model import Condition, Mechanism, TrustEdge

PASS_ROLE = "iam:PassRole"
# Conditions of a service trust that the caller's own new resource meets.
OWN_RESOURCE_KEYS = frozenset({"aws:sourceaccount", "aws:sourceorgid"})

Finder = Callable[[Escalation, Actor, Technique], None]


def _pass_role(escalation: Escalation, actor: Actor, technique: Technique) -> None:
    service = technique.service
    creates = [actor.grant_anywhere(a) for a in technique.actions if a != PASS_ROLE]
    if any(not g.decision.allowed and g.guardrail is None for g in creates):
        return
    profiles = (
        _profile_grants(actor) if technique.workload == "instance-profile" else []
    )
    for trust in escalation.roles_trusting(service, actor.account_id):
        role = trust.target
        if role == actor.arn:
            continue
        needs = list(creates)
        if technique.workload == "instance-profile" and not escalation.has_profile(
            role
        ):
            if not profiles:
                continue
            needs.extend(profiles)
        passed = actor.grant(PASS_ROLE, role, {"iam:passedtoservice": (service,)})
        escalation.emit(
            actor,
            role,
            technique,
            [passed, *needs],
            _trust_conditions(trust, actor.account_id),
            trust.evidence[:1],
        )


def _profile_grants(actor: Actor) -> list[Grant]:
    grants = [
        actor.grant_anywhere("iam:CreateInstanceProfile"),
        actor.grant_anywhere("iam:AddRoleToInstanceProfile"),
    ]
    return grants if all(g.allowed for g in grants) else []


def _trust_conditions(trust: TrustEdge, account_id: str) -> tuple[Condition, ...]:
    kept = []
    for condition in trust.conditions:
        key = condition.key.lower()
        if key in OWN_RESOURCE_KEYS and account_id in condition.values:
            continue
        kept.append(condition)
    return tuple(kept)


def _row(
    technique_id: str,
    service: str,
    *actions: str,
    instance_profile: bool = False,
) -> Technique:
    return Technique(
        technique_id,
        Mechanism.PASS_ROLE,
        (PASS_ROLE, *actions),
        _pass_role,
        service=service,
        workload="instance-profile" if instance_profile else "",
    )


EC2 = "ec2.amazonaws.com"
LAMBDA = "lambda.amazonaws.com"
GLUE = "glue.amazonaws.com"
SAGEMAKER = "sagemaker.amazonaws.com"
CODEBUILD = "codebuild.amazonaws.com"
ECS = "ecs-tasks.amazonaws.com"

TECHNIQUES = (
    _row("passrole-ec2-run-instances", EC2, "ec2:RunInstances", instance_profile=True),
    _row(
        "passrole-ec2-spot-instances",
        EC2,
        "ec2:RequestSpotInstances",
        instance_profile=True,
    ),
    _row(
        "passrole-autoscaling-launch-template",
        EC2,
        "ec2:CreateLaunchTemplate",
        "autoscaling:CreateAutoScalingGroup",
        instance_profile=True,
    ),
    _row(
        "passrole-autoscaling-launch-configuration",
        EC2,
        "autoscaling:CreateLaunchConfiguration",
        "autoscaling:CreateAutoScalingGroup",
        instance_profile=True,
    ),
    _row(
        "passrole-lambda-invoke",
        LAMBDA,
        "lambda:CreateFunction",
        "lambda:InvokeFunction",
    ),
    _row(
        "passrole-lambda-event-source",
        LAMBDA,
        "lambda:CreateFunction",
        "lambda:CreateEventSourceMapping",
    ),
    _row("passrole-glue-dev-endpoint", GLUE, "glue:CreateDevEndpoint"),
    _row("passrole-glue-job", GLUE, "glue:CreateJob", "glue:StartJobRun"),
    _row("passrole-glue-job-trigger", GLUE, "glue:CreateJob", "glue:CreateTrigger"),
    _row("passrole-glue-session", GLUE, "glue:CreateSession", "glue:RunStatement"),
    _row(
        "passrole-cloudformation-create-stack",
        "cloudformation.amazonaws.com",
        "cloudformation:CreateStack",
    ),
    _row(
        "passrole-codebuild-start-build",
        CODEBUILD,
        "codebuild:CreateProject",
        "codebuild:StartBuild",
    ),
    _row(
        "passrole-codebuild-start-build-batch",
        CODEBUILD,
        "codebuild:CreateProject",
        "codebuild:StartBuildBatch",
    ),
    _row(
        "passrole-sagemaker-notebook",
        SAGEMAKER,
        "sagemaker:CreateNotebookInstance",
        "sagemaker:CreatePresignedNotebookInstanceUrl",
    ),
    _row("passrole-sagemaker-training-job", SAGEMAKER, "sagemaker:CreateTrainingJob"),
    _row(
        "passrole-sagemaker-processing-job",
        SAGEMAKER,
        "sagemaker:CreateProcessingJob",
    ),
    _row(
        "passrole-ecs-run-task",
        ECS,
        "ecs:RegisterTaskDefinition",
        "ecs:RunTask",
    ),
    _row(
        "passrole-ecs-start-task",
        ECS,
        "ecs:RegisterTaskDefinition",
        "ecs:StartTask",
    ),
    _row(
        "passrole-ecs-create-service",
        ECS,
        "ecs:RegisterTaskDefinition",
        "ecs:CreateService",
    ),
    _row(
        "passrole-datapipeline",
        "datapipeline.amazonaws.com",
        "datapipeline:CreatePipeline",
        "datapipeline:PutPipelineDefinition",
        "datapipeline:ActivatePipeline",
    ),
    _row(
        "passrole-ssm-automation",
        "ssm.amazonaws.com",
        "ssm:CreateDocument",
        "ssm:StartAutomationExecution",
    ),
    _row(
        "passrole-bedrock-agentcore-code-interpreter",
        "bedrock-agentcore.amazonaws.com",
        "bedrock-agentcore:CreateCodeInterpreter",
        "bedrock-agentcore:StartCodeInterpreterSession",
        "bedrock-agentcore:InvokeCodeInterpreter",
    ),
)
