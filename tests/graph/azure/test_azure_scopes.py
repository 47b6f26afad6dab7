"""ARM scope spelling, parents and the scope tree."""

from __future__ import annotations

import pytest

from graph.azure.scopes import (
    ScopeTree,
    kind_of_scope,
    natural_parent,
    normalize_scope,
)
from graph.model import NodeKind

SUB = "/subscriptions/aaaaaaaa-0000-0000-0000-000000000001"
MG = "/providers/Microsoft.Management/managementGroups"


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("/", "/"),
        ("", "/"),
        (f"{SUB.upper()}/", SUB.replace("SUBSCRIPTIONS", "subscriptions")),
        (f"{SUB}/resourcegroups/App-RG", f"{SUB}/resourceGroups/App-RG"),
        ("/providers/microsoft.management/managementgroups/Ops", f"{MG}/Ops"),
    ],
)
def test_normalize_scope(raw: str, normal: str) -> None:
    assert normalize_scope(raw) == normal


@pytest.mark.parametrize(
    ("scope", "parent"),
    [
        (SUB, ""),
        (f"{SUB}/resourceGroups/rg", SUB),
        (
            f"{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm",
            f"{SUB}/resourceGroups/rg",
        ),
        (f"{MG}/ops", ""),
    ],
)
def test_natural_parent(scope: str, parent: str) -> None:
    assert natural_parent(scope) == parent


@pytest.mark.parametrize(
    ("scope", "kind"),
    [
        (f"{MG}/ops", NodeKind.MANAGEMENT_GROUP),
        (SUB, NodeKind.SUBSCRIPTION),
        (f"{SUB}/resourceGroups/rg", NodeKind.RESOURCE_GROUP),
        (f"{SUB}/resourceGroups/rg/providers/Microsoft.Web/sites/app", None),
        ("/", None),
    ],
)
def test_kind_of_scope(scope: str, kind: NodeKind | None) -> None:
    assert kind_of_scope(scope) == kind


def _tree() -> ScopeTree:
    tree = ScopeTree(tenant_id="cccccccc-0000-0000-0000-000000000000")
    tree.add(f"{MG}/platform", parent=f"{MG}/root")
    tree.add(SUB, parent=f"{MG}/platform")
    tree.add(f"{SUB}/resourceGroups/rg")
    return tree


def test_ancestors_follow_the_group_tree_up_to_the_root() -> None:
    resource = f"{SUB}/resourceGroups/RG/providers/Microsoft.Web/sites/app"

    chain = _tree().ancestors(resource)

    assert chain == [
        resource.lower(),
        f"{SUB}/resourceGroups/rg".lower(),
        SUB,
        f"{MG}/platform".lower(),
        f"{MG}/root".lower(),
        "/",
    ]


def test_descendants_and_covers() -> None:
    tree = _tree()

    assert tree.descendants(f"{MG}/root") == [
        f"{MG}/platform",
        SUB,
        f"{SUB}/resourceGroups/rg",
    ]
    assert tree.descendants("/")[0] == f"{MG}/platform"
    assert tree.covers(f"{MG}/platform", f"{SUB}/resourceGroups/rg")
    assert not tree.covers(SUB, f"{MG}/platform")
    assert tree.node_id("/") == "/tenants/cccccccc-0000-0000-0000-000000000000"
