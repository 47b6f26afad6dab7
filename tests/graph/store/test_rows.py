"""Flattening node-link records into store rows, labels, types and run ids."""

from __future__ import annotations

import json

import pytest

from graph.store.rows import (
    edge_row,
    kind_label,
    node_labels,
    node_row,
    push_statements,
    relationship_type,
    snapshot_run_id,
)
from tests.queries.synthetic_org import synthetic_org


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("role", "Role"),
        ("account_root", "AccountRoot"),
        ("service_account", "ServiceAccount"),
        ("3d-thing", "Kind3dThing"),
    ],
)
def test_kind_label(kind: str, label: str) -> None:
    assert kind_label(kind) == label


@pytest.mark.parametrize(
    ("kind", "labels"),
    [("role", ("Role",)), ("aws_account", ("Container", "AwsAccount"))],
)
def test_containers_carry_the_container_label(kind: str, labels: tuple) -> None:
    assert node_labels(kind) == labels


@pytest.mark.parametrize(
    ("mechanism", "rel_type"),
    [
        ("assume_role", "ASSUME_ROLE"),
        ("assume_role_web_identity", "ASSUME_ROLE_WEB_IDENTITY"),
        ("odd-name x", "ODD_NAME_X"),
    ],
)
def test_relationship_type(mechanism: str, rel_type: str) -> None:
    assert relationship_type(mechanism) == rel_type


def test_node_row_keeps_record_and_flattens_nested_values() -> None:
    record = {
        "id": "arn:aws:iam::1:role/a",
        "kind": "role",
        "name": "a",
        "external": False,
        "tags": {"owner": "x"},
        "attributes": {"issuer": "i", "linked": True, "paths": ["/a"], "n": 3},
        "is_admin": True,
    }

    row = node_row(record, "run-1")

    assert row == {
        "id": "arn:aws:iam::1:role/a",
        "props": {
            "id": "arn:aws:iam::1:role/a",
            "kind": "role",
            "name": "a",
            "external": False,
            "tags": '{"owner": "x"}',
            "attributes": json.dumps(record["attributes"], sort_keys=True),
            "is_admin": True,
            "attr_issuer": "i",
            "attr_linked": True,
            "attr_n": 3,
            "run_id": "run-1",
        },
    }


def test_edge_row_lists_the_keys_the_request_must_satisfy() -> None:
    conditions = [
        {"operator": "StringEquals", "key": "sts:ExternalId", "verdict": "depends"},
        {"operator": "StringLike", "key": "aws:PrincipalArn", "verdict": "always"},
        {"operator": "Bool", "key": "aws:MultiFactorAuthPresent", "verdict": "depends"},
    ]
    record = {
        "source": "a",
        "target": "b",
        "mechanism": "assume_role",
        "conditions": conditions,
        "evidence": [],
        "cross_boundary": True,
    }

    row = edge_row(record, "run-1")

    assert (row["source"], row["target"]) == ("a", "b")
    assert row["props"]["depends_keys"] == [
        "aws:multifactorauthpresent",
        "sts:externalid",
    ]
    assert json.loads(row["props"]["conditions"]) == conditions
    assert set(row["props"]) == {
        "mechanism",
        "conditions",
        "evidence",
        "cross_boundary",
        "depends_keys",
        "run_id",
    }


def test_run_id_follows_the_content() -> None:
    node_link = synthetic_org().to_node_link()
    changed = {**node_link, "nodes": node_link["nodes"][1:]}

    assert snapshot_run_id(node_link) == snapshot_run_id(synthetic_org().to_node_link())
    assert snapshot_run_id(changed) != snapshot_run_id(node_link)


def test_statements_write_every_record_once_nodes_first() -> None:
    node_link = synthetic_org().to_node_link()

    statements = list(push_statements(node_link, "r", batch_size=5))

    node_ids = [
        row["id"]
        for s in statements
        if s.target.startswith("Principal")
        for row in s.rows
    ]
    admin_ids = [
        row["id"] for s in statements if s.target == "HOLDS_ADMIN" for row in s.rows
    ]
    edges = [
        (row["source"], s.target, row["target"])
        for s in statements
        if "row.source" in s.text
        for row in s.rows
    ]
    first_edge = next(i for i, s in enumerate(statements) if "row.source" in s.text)
    first_admin = next(i for i, s in enumerate(statements) if s.target == "HOLDS_ADMIN")
    assert sorted(node_ids) == sorted(n["id"] for n in node_link["nodes"])
    assert sorted(admin_ids) == sorted(
        n["id"] for n in node_link["nodes"] if n["is_admin"]
    )
    assert sorted(edges) == sorted(
        (e["source"], relationship_type(e["mechanism"]), e["target"])
        for e in node_link["links"]
    )
    assert all(s.target.startswith("Principal") for s in statements[:first_admin])
    assert first_admin < first_edge
    assert max(len(s.rows) for s in statements) == 5


def test_batch_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        list(push_statements({"nodes": [], "links": []}, "r", batch_size=0))
