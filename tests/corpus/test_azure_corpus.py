"""Every public Azure export in the shared corpus loads, with facts read off it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crosstrust import load_graph
from graph.load import load_inputs
from graph.model import Mechanism, NodeKind
from graph.trustgraph import TrustGraph

CORPUS = (
    Path(
        os.environ.get(
            "CROSSTRUST_CORPUS",
            Path(__file__).resolve().parents[3] / "shared" / "corpus",
        )
    )
    / "azure"
)
SUB = "/subscriptions/ea42f556-5106-4743-99b0-c129bfa71a47"
MG = "/providers/Microsoft.Management/managementGroups"
OWNER_AT_GROUPS = "139efc82-0e5b-4998-b30a-ce40b9b942db"
READER_AT_ROOT = "5c617d2b-99f8-4c90-98fe-dfe040fa33c1"
CONTRIBUTOR_ONLY = "cc851160-f3f3-4d8a-860f-7f1dcfe1b2f7"
IDENTITY = (
    "/subscriptions/subid/resourceGroups/rgName/providers"
    "/Microsoft.ManagedIdentity/userAssignedIdentities/identityName"
)


@pytest.fixture(scope="module")
def graph() -> TrustGraph:
    return load_graph(CORPUS)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        (
            "azure-rest-api-specs_FederatedIdentityCredentialList.response-body.json",
            "azure.federated_credentials",
        ),
        (
            "cloud-custodian_subscription_roleAssignments.arm-rest.json",
            "azure.role_assignments",
        ),
        (
            "cloud-custodian_subscription_roleDefinitions.arm-rest.json",
            "azure.role_definitions",
        ),
    ],
)
def test_each_file_is_recognised_by_content(name: str, kind: str) -> None:
    inventory = load_inputs([CORPUS / name])

    assert [d.kind for d in inventory.documents] == [kind]
    assert inventory.coverage == []


def test_every_file_in_the_folder_loads(graph: TrustGraph) -> None:
    names = {p.name for p in CORPUS.iterdir() if p.suffix == ".json"}
    gaps = {(Path(g.scope).name, g.reason) for g in graph.coverage}

    assert len(names) == 3
    # The credential list is page one of a longer list (it carries a
    # nextLink); two groups hold assignments but no group tree is exported.
    assert gaps == {
        (
            "azure-rest-api-specs_FederatedIdentityCredentialList.response-body.json",
            "truncated",
        ),
        ("custodian-test", "hierarchy-unknown"),
        ("test-custodian-group-1", "hierarchy-unknown"),
    }


def test_principals_of_the_assignments(graph: TrustGraph) -> None:
    users = {p.node_id for p in graph.principals(NodeKind.USER)}
    service_principals = {
        p.node_id for p in graph.principals(NodeKind.SERVICE_PRINCIPAL)
    }

    assert (len(users), len(service_principals)) == (13, 49)


def test_owner_holders_are_admin_and_contributors_are_not(graph: TrustGraph) -> None:
    admins = set(graph.admins())

    assert len(admins) == 18
    assert CONTRIBUTOR_ONLY not in admins
    assert graph.admin_reason(OWNER_AT_GROUPS).startswith("Owner at ")


def test_contributor_not_actions_remove_role_assignment_write(
    graph: TrustGraph,
) -> None:
    mechanisms = {str(e.mechanism) for e in graph.out_edges(CONTRIBUTOR_ONLY)}

    assert mechanisms == {"role_assignment"}


def test_owner_at_two_groups(graph: TrustGraph) -> None:
    targets = {
        e.target
        for e in graph.out_edges(OWNER_AT_GROUPS)
        if e.mechanism is Mechanism.ROLE_ASSIGNMENT_WRITE
    }

    assert targets == {f"{MG}/custodian-test", f"{MG}/test-custodian-group-1", SUB}


def test_reader_at_the_root_scope_is_inherited_everywhere(graph: TrustGraph) -> None:
    targets = {e.target for e in graph.out_edges(READER_AT_ROOT)}
    containers = {p.node_id for p in graph.principals() if p.is_container}

    assert targets == containers
    assert not graph.is_admin(READER_AT_ROOT)


def test_aks_service_account_federates_into_the_identity(graph: TrustGraph) -> None:
    subject = (
        "oidc:oidc.prod-aks.azure.com/TenantGUID/IssuerGUID:"
        "system:serviceaccount:ns:svcaccount"
    )

    edge = graph.edge(subject, IDENTITY, Mechanism.FEDERATE)

    assert edge is not None and not edge.conditional
    assert "api://AzureADTokenExchange" in edge.evidence[0].detail
    assert graph.principal(IDENTITY).kind is NodeKind.MANAGED_IDENTITY
    assert graph.notes == []
