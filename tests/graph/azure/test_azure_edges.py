"""Azure trust edges, admin marks, guardrails and gaps from tiny native exports."""

from __future__ import annotations

from pathlib import Path

import pytest

from crosstrust import load_graph
from graph.azure.edges import _everyone_audience
from graph.model import Mechanism
from graph.trustgraph import TrustGraph
from queries.findings import evaluate_rules
from queries.paths import routes_between
from tests.graph.azure.azure_exports import (
    SUB_A,
    SUB_B,
    TENANT,
    assignment,
    deny,
    identity,
    write_exports,
)

USER = "10000000-0000-0000-0000-000000000001"
OTHER = "10000000-0000-0000-0000-000000000002"
MI_A = "40000000-0000-0000-0000-000000000001"
MI_B = "40000000-0000-0000-0000-000000000002"
RG = f"{SUB_A}/resourceGroups/rg"
ASSIGN = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"


def _load(tmp_path: Path, **files: object) -> TrustGraph:
    return load_graph(write_exports(tmp_path / "snapshot", **files))


def _identities() -> list[dict[str, object]]:
    return [
        identity(name="mi-a", subscription=SUB_A, group="rg", principal=MI_A),
        identity(name="mi-b", subscription=SUB_B, group="rg", principal=MI_B),
    ]


def test_identity_operator_alone_cannot_use_the_identity(tmp_path: Path) -> None:
    graph = _load(
        tmp_path,
        identities=_identities(),
        assignments=[
            assignment(principal=USER, role="Managed Identity Operator", scope=RG)
        ],
    )

    assert graph.edge(USER, MI_A, Mechanism.IMPERSONATE) is None


def test_operator_with_compute_write_impersonates(tmp_path: Path) -> None:
    graph = _load(
        tmp_path,
        identities=_identities(),
        assignments=[
            assignment(principal=USER, role="Managed Identity Operator", scope=RG),
            assignment(principal=USER, role="Virtual Machine Contributor", scope=SUB_B),
        ],
    )

    edge = graph.edge(USER, MI_A, Mechanism.IMPERSONATE)

    assert edge is not None
    assert [e.detail for e in edge.evidence] == [
        f"role Managed Identity Operator at {RG}",
        f"role Virtual Machine Contributor at {SUB_B}",
    ]
    assert graph.edge(USER, MI_B, Mechanism.IMPERSONATE) is None


def test_deny_assignment_blocks_and_is_remembered(tmp_path: Path) -> None:
    graph = _load(
        tmp_path,
        identities=_identities(),
        assignments=[assignment(principal=USER, role="Contributor", scope=SUB_A)],
        denies={"value": [deny(scope=RG, actions=[ASSIGN], principals=[USER])]},
    )

    blocked = {(b.edge.target, str(b.edge.mechanism)) for b in graph.blocked}

    assert graph.edge(USER, MI_A, Mechanism.IMPERSONATE) is None
    assert blocked == {(MI_A, "impersonate")}
    assert graph.blocked[0].guardrail.detail == "deny assignment locked by the platform"
    assert graph.edge(USER, MI_A, Mechanism.ADD_APP_SECRET) is not None


def test_deny_on_role_assignment_write_removes_admin(tmp_path: Path) -> None:
    everyone = "00000000-0000-0000-0000-000000000000"
    graph = _load(
        tmp_path,
        assignments=[assignment(principal=USER, role="Owner", scope=SUB_A)],
        denies=[
            deny(
                scope=SUB_A,
                actions=["Microsoft.Authorization/*/write"],
                principals=[everyone],
            )
        ],
    )

    assert not graph.is_admin(USER)
    assert graph.edge(USER, SUB_A, Mechanism.ROLE_ASSIGNMENT_WRITE) is None
    assert graph.edge(USER, SUB_A, Mechanism.ROLE_ASSIGNMENT) is not None


def test_custom_roles_decide_by_actions_minus_not_actions(tmp_path: Path) -> None:
    definitions = [
        {
            "name": "11111111-0000-0000-0000-00000000c001",
            "roleName": "Access Delegator",
            "roleType": "CustomRole",
            "permissions": [{"actions": ["Microsoft.Authorization/roleAssignments/*"]}],
        },
        {
            "name": "11111111-0000-0000-0000-00000000c002",
            "roleName": "Almost Owner",
            "roleType": "CustomRole",
            "permissions": [
                {"actions": ["*"], "notActions": ["Microsoft.Authorization/*/Write"]}
            ],
        },
    ]
    graph = _load(
        tmp_path,
        definitions=definitions,
        assignments=[
            assignment(
                principal=USER,
                role="Access Delegator",
                role_id="11111111-0000-0000-0000-00000000c001",
                scope=SUB_A,
            ),
            assignment(
                principal=OTHER,
                role="Almost Owner",
                role_id="11111111-0000-0000-0000-00000000c002",
                scope=SUB_A,
            ),
        ],
    )

    assert graph.admins() == [USER]
    assert graph.admin_reason(USER) == f"Access Delegator at {SUB_A}"


def test_identity_credential_writer_adds_a_credential(tmp_path: Path) -> None:
    graph = _load(
        tmp_path,
        identities=_identities(),
        assignments=[
            assignment(principal=USER, role="Managed Identity Contributor", scope=RG)
        ],
    )

    assert graph.edge(USER, MI_A, Mechanism.ADD_APP_SECRET) is not None
    assert graph.edge(USER, MI_A, Mechanism.IMPERSONATE) is None


def test_run_command_reaches_the_identities_a_vm_carries(tmp_path: Path) -> None:
    vm_id = f"{RG}/providers/Microsoft.Compute/virtualMachines/build-agent"
    system = "40000000-0000-0000-0000-0000000000ff"
    mi_a = _identities()[0]["id"]
    vms = [
        {
            "id": vm_id,
            "name": "build-agent",
            "type": "Microsoft.Compute/virtualMachines",
            "identity": {
                "type": "SystemAssigned, UserAssigned",
                "principalId": system,
                "tenantId": TENANT,
                "userAssignedIdentities": {
                    mi_a: {"principalId": MI_A, "clientId": "c"},
                },
            },
        }
    ]
    graph = _load(
        tmp_path,
        identities=_identities(),
        vms=vms,
        assignments=[
            assignment(principal=USER, role="Virtual Machine Contributor", scope=RG)
        ],
    )

    targets = {
        e.target for e in graph.out_edges(USER) if e.mechanism is Mechanism.RUN_COMMAND
    }

    assert targets == {system, MI_A}
    assert graph.principal(system).attributes["identity_type"] == "system_assigned"


def test_identity_reaching_another_subscription_crosses(tmp_path: Path) -> None:
    graph = _load(
        tmp_path,
        identities=_identities(),
        assignments=[
            assignment(
                principal=MI_A,
                role="Reader",
                scope=SUB_B,
                principal_type="ServicePrincipal",
            ),
            assignment(principal=USER, role="Reader", scope=SUB_B),
        ],
    )

    crossing = graph.edge(MI_A, SUB_B, Mechanism.ROLE_ASSIGNMENT)
    staying = graph.edge(USER, SUB_B, Mechanism.ROLE_ASSIGNMENT)

    assert crossing is not None and crossing.cross_boundary
    assert staying is not None and not staying.cross_boundary


def test_unknown_role_and_unlinked_credential_are_gaps(tmp_path: Path) -> None:
    app_credentials = [
        {
            "audiences": ["api://AzureADTokenExchange"],
            "id": "9a9a9a9a-0000-0000-0000-000000000001",
            "issuer": "https://token.actions.githubusercontent.com",
            "name": "gh",
            "subject": "repo:o/r:ref:refs/heads/main",
        }
    ]
    graph = _load(
        tmp_path,
        assignments=[
            assignment(
                principal=USER,
                role="Mystery",
                role_id="99999999-0000-0000-0000-000000000000",
                scope=SUB_A,
            )
        ],
        app_credentials=app_credentials,
    )

    assert sorted(g.reason for g in graph.coverage) == ["unknown-role", "unlinked"]


def test_foreign_tenant_owns_a_multi_tenant_app(tmp_path: Path) -> None:
    foreign = "dddddddd-0000-0000-0000-000000000000"
    sp_id = "32000000-0000-0000-0000-000000000009"
    service_principals = [
        {
            "id": sp_id,
            "appId": "31000000-0000-0000-0000-000000000009",
            "displayName": "vendor-sync",
            "servicePrincipalType": "Application",
            "appOwnerOrganizationId": foreign,
        },
        {
            "id": "32000000-0000-0000-0000-00000000000a",
            "appId": "00000003-0000-0000-c000-000000000000",
            "displayName": "Microsoft Graph",
            "servicePrincipalType": "Application",
            "appOwnerOrganizationId": "f8cdef31-a31e-4b4a-93e4-5f571e91255a",
        },
    ]
    subscriptions = [
        {
            "id": SUB_A.rsplit("/", 1)[-1],
            "tenantId": TENANT,
            "name": "a",
            "state": "Enabled",
            "isDefault": True,
        }
    ]
    graph = _load(tmp_path, sps=service_principals, subscriptions=subscriptions)

    sources = {e.source for e in graph.in_edges(sp_id)}

    assert sources == {f"/tenants/{foreign}"}
    assert graph.principal(f"/tenants/{foreign}").external
    assert graph.edge(
        f"/tenants/{foreign}", sp_id, Mechanism.ADD_APP_SECRET
    ).cross_boundary


def test_directory_roles(tmp_path: Path) -> None:
    sp_id = "32000000-0000-0000-0000-000000000001"
    roles = {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryRoles(members())",
        "value": [
            {
                "id": "r1",
                "displayName": "Global Administrator",
                "roleTemplateId": "62e90394-69f5-4237-9190-012177145e10",
                "members": [{"@odata.type": "#microsoft.graph.user", "id": USER}],
            },
            {
                "id": "r2",
                "displayName": "Application Administrator",
                "roleTemplateId": "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
                "members": [{"@odata.type": "#microsoft.graph.user", "id": OTHER}],
            },
        ],
    }
    sps = [
        {
            "id": sp_id,
            "appId": "a1",
            "displayName": "app",
            "servicePrincipalType": "Application",
        }
    ]
    graph = _load(tmp_path, roles=roles, sps=sps)

    assert graph.admins() == [USER]
    assert graph.admin_reason(USER) == "Global Administrator of the tenant"
    assert graph.edge(OTHER, sp_id, Mechanism.ADD_APP_SECRET) is not None


def test_lighthouse_managing_tenant_is_an_outside_party(tmp_path: Path) -> None:
    manager = "eeeeeeee-0000-0000-0000-000000000000"
    subscriptions = [
        {
            "id": SUB_A.rsplit("/", 1)[-1],
            "tenantId": TENANT,
            "name": "a",
            "isDefault": True,
            "managedByTenants": [{"tenantId": manager}],
        }
    ]
    graph = _load(tmp_path, subscriptions=subscriptions)

    edge = graph.edge(f"/tenants/{manager}", SUB_A, Mechanism.ROLE_ASSIGNMENT)

    assert edge is not None and edge.conditional and edge.cross_boundary
    assert [c.operator for c in edge.conditions] == ["lighthouse"]


def test_system_identity_from_the_sp_list_is_reached_by_run_command(
    tmp_path: Path,
) -> None:
    vm_id = f"{RG}/providers/Microsoft.Compute/virtualMachines/runner"
    system = "40000000-0000-0000-0000-0000000000ee"
    sps = [
        {
            "id": system,
            "appId": "a",
            "displayName": "runner",
            "servicePrincipalType": "ManagedIdentity",
            "alternativeNames": ["isExplicit=False", vm_id],
        }
    ]
    graph = _load(
        tmp_path,
        sps=sps,
        assignments=[
            assignment(principal=USER, role="Virtual Machine Contributor", scope=RG)
        ],
    )

    assert graph.edge(USER, system, Mechanism.RUN_COMMAND) is not None
    assert graph.edge(USER, system, Mechanism.IMPERSONATE) is None
    assert graph.container_of(system) == SUB_A


def test_classic_co_administrator_is_admin(tmp_path: Path) -> None:
    classic = {
        "principalId": None,
        "principalName": "legacy@example.com",
        "roleDefinitionName": "CoAdministrator",
        "scope": SUB_A,
    }
    graph = _load(tmp_path, assignments=[classic])

    assert graph.admins() == ["legacy@example.com"]
    assert graph.coverage == []


def test_deny_spares_members_of_an_excluded_group(tmp_path: Path) -> None:
    everyone = "00000000-0000-0000-0000-000000000000"
    group = "20000000-0000-0000-0000-000000000001"
    rule = deny(scope=SUB_A, actions=["*"], principals=[everyone])
    rule["properties"]["excludePrincipals"] = [{"id": group, "type": "Group"}]
    groups = {
        "value": [
            {
                "id": group,
                "displayName": "break-glass",
                "securityEnabled": True,
                "members": [{"@odata.type": "#microsoft.graph.user", "id": USER}],
            }
        ]
    }
    graph = _load(
        tmp_path,
        groups=groups,
        denies=[rule],
        assignments=[
            assignment(principal=USER, role="Owner", scope=SUB_A),
            assignment(principal=OTHER, role="Owner", scope=SUB_A),
        ],
    )

    assert graph.admins() == [USER]
    assert {b.edge.source for b in graph.blocked} == {OTHER}


@pytest.mark.parametrize(
    ("rule", "audience"),
    [
        ("(user.objectId -ne null)", "all users"),
        ('(user.userType -eq "Guest")', "all guests"),
        (
            '(user.department -eq "Sales") -or (user.accountEnabled -eq true)',
            "all users",
        ),
        ("(user.objectId -eq null)", ""),
        ('(user.department -eq "Finance")', ""),
        ('(user.userType -eq "Guest") -and (user.department -eq "Sales")', ""),
    ],
)
def test_dynamic_groups_open_to_everyone(rule: str, audience: str) -> None:
    assert _everyone_audience(rule) == audience


def test_web_app_writers_run_as_its_identity(tmp_path: Path) -> None:
    site = f"{RG}/providers/Microsoft.Web/sites/portal"
    system = "40000000-0000-0000-0000-0000000000dd"
    sites = {
        "value": [
            {
                "id": site,
                "name": "portal",
                "type": "Microsoft.Web/sites",
                "identity": {"type": "SystemAssigned", "principalId": system},
            }
        ]
    }
    graph = _load(
        tmp_path,
        sites=sites,
        assignments=[
            assignment(principal=USER, role="Website Contributor", scope=RG),
            assignment(principal=OTHER, role="Reader", scope=RG),
        ],
    )

    sources = {e.source for e in graph.in_edges(system)}

    assert sources == {USER}
    assert graph.edge(USER, system, Mechanism.IMPERSONATE) is not None


def test_storage_account_identity_is_not_a_code_host(tmp_path: Path) -> None:
    account = f"{RG}/providers/Microsoft.Storage/storageAccounts/logs"
    system = "40000000-0000-0000-0000-0000000000cc"
    sps = [
        {
            "id": system,
            "appId": "b",
            "displayName": "logs",
            "servicePrincipalType": "ManagedIdentity",
            "alternativeNames": ["isExplicit=False", account],
        }
    ]
    graph = _load(
        tmp_path,
        sps=sps,
        assignments=[assignment(principal=USER, role="Contributor", scope=RG)],
    )

    assert graph.in_edges(system) == []


def test_managed_identity_reaches_an_aws_role_trusting_its_tenant(
    tmp_path: Path,
) -> None:
    issuer = f"sts.windows.net/{TENANT}/"
    provider = f"arn:aws:iam::111111111111:oidc-provider/{issuer}"
    role = "arn:aws:iam::111111111111:role/azure-bridge"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {f"{issuer}:sub": MI_A}},
            }
        ],
    }
    authz = {
        "UserDetailList": [],
        "GroupDetailList": [],
        "Policies": [],
        "RoleDetailList": [
            {
                "RoleName": "azure-bridge",
                "RoleId": "AROAEXAMPLE0000000001",
                "Arn": role,
                "Path": "/",
                "AssumeRolePolicyDocument": trust,
                "RolePolicyList": [],
                "AttachedManagedPolicies": [],
            }
        ],
    }
    graph = _load(
        tmp_path,
        identities=_identities(),
        aws=authz,
        providers={"OpenIDConnectProviderList": [{"Arn": provider}]},
    )

    [route] = routes_between(graph, MI_A, role)

    assert route.nodes == (MI_A, f"oidc:{issuer}:{MI_A}", role)
    assert [str(e.mechanism) for e in route.edges] == [
        "federate",
        "assume_role_web_identity",
    ]
    assert routes_between(graph, MI_B, role) == []


def test_assignment_of_a_deleted_principal_is_dangling(tmp_path: Path) -> None:
    graph = _load(
        tmp_path,
        assignments=[
            assignment(
                principal=OTHER,
                role="Owner",
                scope=SUB_A,
                principal_type="Unknown",
            )
        ],
    )

    findings = evaluate_rules(graph)

    assert {(f.rule, f.subject) for f in findings} == {
        ("trust.dangling-principal", SUB_A)
    }
    assert OTHER not in graph and graph.admins() == []
