"""Graph stage, AWS: escalation through compute that already runs as a role.

Editing, entering or re-running an existing workload needs no PassRole: the
edge goes to the role the workload runs as. With an inventory export of the
workload kind for the account, each exported workload is judged on its ARN.
Without one, the edge goes to every role the service may run as, marked
conditional on such a workload existing.
"""

from __future__ import annotations

from graph.aws.escalation import Actor, Escalation, Technique
from graph.aws.workloads import CODEBUILD, EC2, GLUE, LAMBDA, NOTEBOOK, STACK
from graph.model import Condition, Evidence, Mechanism, Verdict

SERVICE = {
    LAMBDA: "lambda.amazonaws.com",
    EC2: "ec2.amazonaws.com",
    STACK: "cloudformation.amazonaws.com",
    CODEBUILD: "codebuild.amazonaws.com",
    NOTEBOOK: "sagemaker.amazonaws.com",
    GLUE: "glue.amazonaws.com",
}
NOUN = {
    LAMBDA: "function",
    EC2: "instance with an instance profile",
    STACK: "stack with a service role",
    CODEBUILD: "build project",
    NOTEBOOK: "notebook instance",
    GLUE: "Glue development endpoint",
}


def _workload(escalation: Escalation, actor: Actor, technique: Technique) -> None:
    kind = technique.workload
    if escalation.workloads.known(actor.account_id, kind):
        _inventoried(escalation, actor, technique)
        return
    grants = [actor.grant_anywhere(a) for a in technique.actions]
    if any(not g.decision.allowed and g.guardrail is None for g in grants):
        return
    for trust in escalation.roles_trusting(SERVICE[kind], actor.account_id):
        role = trust.target
        if role == actor.arn:
            continue
        if kind == EC2 and not escalation.has_profile(role):
            continue
        escalation.emit(actor, role, technique, grants, (_unknown(kind),))


def _inventoried(escalation: Escalation, actor: Actor, technique: Technique) -> None:
    for workload in escalation.workloads.of(actor.account_id, technique.workload):
        if workload.role_arn not in escalation.graph:
            continue
        grants = [actor.grant(a, workload.arn) for a in technique.actions]
        found = Evidence(workload.source, workload.arn, f"runs as {workload.role_arn}")
        escalation.emit(actor, workload.role_arn, technique, grants, (), (found,))


def _unknown(kind: str) -> Condition:
    return Condition(
        operator="Workload",
        key=f"workload:{kind}",
        values=(),
        verdict=Verdict.DEPENDS,
        note=f"requires an existing {NOUN[kind]} that runs as this role",
    )


def _row(
    technique_id: str,
    mechanism: Mechanism,
    kind: str,
    *actions: str,
) -> Technique:
    return Technique(technique_id, mechanism, actions, _workload, workload=kind)


TECHNIQUES = (
    _row(
        "workload-lambda-update-code",
        Mechanism.MODIFY_WORKLOAD,
        LAMBDA,
        "lambda:UpdateFunctionCode",
    ),
    _row(
        "workload-glue-update-dev-endpoint",
        Mechanism.MODIFY_WORKLOAD,
        GLUE,
        "glue:UpdateDevEndpoint",
    ),
    _row(
        "workload-cloudformation-update-stack",
        Mechanism.MODIFY_WORKLOAD,
        STACK,
        "cloudformation:UpdateStack",
    ),
    _row(
        "workload-codebuild-start-build-override",
        Mechanism.MODIFY_WORKLOAD,
        CODEBUILD,
        "codebuild:StartBuild",
    ),
    _row(
        "workload-sagemaker-presigned-notebook-url",
        Mechanism.MODIFY_WORKLOAD,
        NOTEBOOK,
        "sagemaker:CreatePresignedNotebookInstanceUrl",
    ),
    _row(
        "workload-ssm-send-command",
        Mechanism.RUN_COMMAND,
        EC2,
        "ssm:SendCommand",
    ),
    _row(
        "workload-ssm-start-session",
        Mechanism.RUN_COMMAND,
        EC2,
        "ssm:StartSession",
    ),
    _row(
        "workload-ec2-instance-connect",
        Mechanism.RUN_COMMAND,
        EC2,
        "ec2-instance-connect:SendSSHPublicKey",
    ),
)
