"""The public iam-vulnerable deployment: every exploitable path found, no decoy.

The export (cloudsplaining's example, account 200611803367) holds each
iam-vulnerable module as a user and a role with the same policy. The paid
modules' workloads (Lambda functions, Glue endpoints, stacks, notebooks,
instances) were never deployed, so techniques that need one are conditional
on it; every customer policy has one version, so no older default exists.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crosstrust import load_graph
from graph.model import Mechanism
from graph.trustgraph import TrustGraph
from queries.paths import principals_reaching_admin

CORPUS = Path("/work/shared/corpus/aws")
FILE = CORPUS / "cloudsplaining_example_iam-vulnerable-deployment.authz.json"
ACCOUNT = "200611803367"
HIGH_PRIV = f"arn:aws:iam::{ACCOUNT}:role/privesc-high-priv-service-role"

pytestmark = pytest.mark.skipif(not FILE.exists(), reason="shared corpus not present")

# Modules whose user and role make themselves admin in one step.
SELF_ADMIN = {
    "privesc1-CreateNewPolicyVersion": "create_policy_version",
    "fn2-exploitableResourceConstraint": "create_policy_version",
    "fn3-exploitableConditionConstraint": "create_policy_version",
    "fn4-exploitableNotAction": "put_inline_policy",
}
# One-step self grants that only a user (or only a role) can use.
USER_ONLY_ADMIN = {
    "privesc7-AttachUserPolicy": "attach_policy",
    "privesc8-AttachGroupPolicy": "attach_policy",
    "privesc10-PutUserPolicy": "put_inline_policy",
    "privesc11-PutGroupPolicy": "put_inline_policy",
    "privesc13-AddUserToGroup": "add_user_to_group",
}
ROLE_ONLY_ADMIN = {
    "privesc9-AttachRolePolicy": "attach_policy",
    "privesc12-PutRolePolicy": "put_inline_policy",
}
# Modules that reach an admin through an edge: (first mechanism, conditional).
ROUTES = {
    "privesc3-CreateEC2WithExistingInstanceProfile": (Mechanism.PASS_ROLE, False),
    "fn1-privesc3-partial": (Mechanism.PASS_ROLE, False),
    "privesc4-CreateAccessKey": (Mechanism.CREATE_ACCESS_KEY, False),
    "privesc5-CreateLoginProfile": (Mechanism.CREATE_LOGIN_PROFILE, True),
    "privesc6-UpdateLoginProfile": (Mechanism.UPDATE_LOGIN_PROFILE, True),
    "privesc14-UpdatingAssumeRolePolicy": (Mechanism.UPDATE_TRUST_POLICY, False),
    "privesc15-PassExistingRoleToNewLambdaThenInvoke": (Mechanism.PASS_ROLE, False),
    "privesc16-PassRoleToNewLambdaThenTriggerWithNewDynamo": (
        Mechanism.PASS_ROLE,
        False,
    ),
    "privesc17-EditExistingLambdaFunctionWithRole": (Mechanism.MODIFY_WORKLOAD, True),
    "privesc18-PassExistingRoleToNewGlueDevEndpoint": (Mechanism.PASS_ROLE, False),
    "privesc19-UpdateExistingGlueDevEndpoint": (Mechanism.MODIFY_WORKLOAD, True),
    "privesc20-PassExistingRoleToCloudFormation": (Mechanism.PASS_ROLE, False),
    "privesc21-PassExistingRoleToNewDataPipeline": (Mechanism.PASS_ROLE, False),
    "privesc-codeBuildCreateProjectPassRole": (Mechanism.PASS_ROLE, False),
    "privesc-sageMakerCreateNotebookPassRole": (Mechanism.PASS_ROLE, False),
    "privesc-sageMakerCreateTrainingJobPassRole": (Mechanism.PASS_ROLE, False),
    "privesc-sageMakerCreateProcessingJobPassRole": (Mechanism.PASS_ROLE, False),
    "privesc-sageMakerCreatePresignedNotebookURL": (Mechanism.MODIFY_WORKLOAD, True),
    "privesc-CloudFormationUpdateStack": (Mechanism.MODIFY_WORKLOAD, True),
    "privesc-ssmSendCommand": (Mechanism.RUN_COMMAND, True),
    "privesc-ssmStartSession": (Mechanism.RUN_COMMAND, True),
    "privesc-ec2InstanceConnect": (Mechanism.RUN_COMMAND, True),
}
# Decoys and modules that cannot escalate in this snapshot.
NOTHING = (
    "fp1-allow-and-deny",
    "fp2-allow-and-deny-multiple-policies",
    "fp3-deny-iam",
    "fp4-nonExploitableResourceConstraint",
    "fp5-nonExploitableConditionConstraint",
    "privesc2-SetExistingDefaultPolicyVersion",
)


@pytest.fixture(scope="module")
def graph() -> TrustGraph:
    return load_graph(FILE)


def _arn(kind: str, module: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:{kind}/{module}-{kind}"


def _modules(graph: TrustGraph) -> set[str]:
    found = set()
    for principal in graph.principals():
        name = principal.name
        if name.startswith(("privesc", "fn", "fp")) and name.endswith(
            ("-user", "-role")
        ):
            found.add(name.rsplit("-", 1)[0])
    return found


# Principals of the deployment that hold admin power outright.
FULL_ADMIN = {"role": {"privesc-AssumeRole-ending", "privesc-high-priv-service"}}


def _technique(reason: str) -> str:
    if reason.startswith("allows every action"):
        return "every-action"
    return reason.removeprefix("can grant itself admin: ").split(" ", 1)[0]


@pytest.mark.parametrize("kind", ["user", "role"])
def test_self_admin_from_both_starting_points(graph: TrustGraph, kind: str) -> None:
    only = USER_ONLY_ADMIN if kind == "user" else ROLE_ONLY_ADMIN
    expected = {**SELF_ADMIN, **only, "privesc-sre": "put_inline_policy"}
    expected.update({m: "every-action" for m in FULL_ADMIN.get(kind, ())})
    found = {}
    for module in _modules(graph):
        node_id = _arn(kind, module)
        if node_id in graph and graph.is_admin(node_id):
            found[module] = _technique(graph.admin_reason(node_id))
    assert found == expected


@pytest.mark.parametrize("kind", ["user", "role"])
def test_routes_from_both_starting_points(graph: TrustGraph, kind: str) -> None:
    routes = principals_reaching_admin(graph)
    found = {}
    for module in _modules(graph):
        route = routes.get(_arn(kind, module))
        if route is not None and not module.startswith("privesc-AssumeRole"):
            found[module] = (route.edges[0].mechanism, route.conditional)
    assert found == ROUTES


def test_pass_role_routes_end_at_the_service_role(graph: TrustGraph) -> None:
    routes = principals_reaching_admin(graph)
    for module, (mechanism, _) in ROUTES.items():
        if mechanism in (Mechanism.PASS_ROLE, Mechanism.MODIFY_WORKLOAD):
            for kind in ("user", "role"):
                assert routes[_arn(kind, module)].nodes[-1] == HIGH_PRIV


def test_role_only_techniques_held_by_a_user_find_nothing(graph: TrustGraph) -> None:
    routes = principals_reaching_admin(graph)
    for module in ROLE_ONLY_ADMIN:
        node_id = _arn("user", module)
        assert not graph.is_admin(node_id) and node_id not in routes
    for module in USER_ONLY_ADMIN:
        node_id = _arn("role", module)
        assert not graph.is_admin(node_id) and node_id not in routes


@pytest.mark.parametrize("module", NOTHING)
@pytest.mark.parametrize("kind", ["user", "role"])
def test_decoys_are_not_reported(graph: TrustGraph, module: str, kind: str) -> None:
    node_id = _arn(kind, module)
    assert not graph.is_admin(node_id)
    assert node_id not in principals_reaching_admin(graph)
    assert [e for e in graph.out_edges(node_id) if e.mechanism != "member_of"] == []


def test_set_default_policy_version_never_fires(graph: TrustGraph) -> None:
    reasons = [graph.admin_reason(a) for a in graph.admins()]
    assert not [r for r in reasons if "set_default_policy_version" in r]
    assert list(graph.edges(Mechanism.SET_DEFAULT_POLICY_VERSION)) == []


def test_assume_role_chain(graph: TrustGraph) -> None:
    start = f"arn:aws:iam::{ACCOUNT}:role/privesc-AssumeRole-starting-role"
    route = principals_reaching_admin(graph)[start]
    assert [n.rsplit("/", 1)[-1] for n in route.nodes] == [
        "privesc-AssumeRole-starting-role",
        "privesc-AssumeRole-intermediate-role",
        "privesc-AssumeRole-ending-role",
    ]
