"""Explorer tables: filters, CSV formula neutralising, JSON download, steps."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from conftest import TAGGED

from crosstrust import load_graph
from crosstrust.explorer.tables import (
    csv_safe,
    filter_findings,
    findings_csv,
    findings_frame,
    findings_json,
    principal_tiers,
    route_steps_frame,
)
from graph.model import Finding, NodeKind, Principal, Severity
from graph.trustgraph import TrustGraph
from queries.findings import evaluate_rules
from queries.paths import routes_to_admin

ALICE = "arn:aws:iam::111111111111:user/alice"
DEPLOYER = "arn:aws:iam::111111111111:role/deployer"
ADMIN = "arn:aws:iam::111111111111:role/admin"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("arn:aws:iam::1:role/a", "arn:aws:iam::1:role/a"),
        (3, 3),
    ],
)
def test_csv_safe_quotes_formula_openers(value: object, expected: object) -> None:
    assert csv_safe(value) == expected


def test_findings_csv_neutralises_every_cell() -> None:
    frame = pd.DataFrame([{"subject": "=cmd|' /C calc'!A0", "title": "@x", "n": "ok"}])

    read_back = pd.read_csv(io.BytesIO(findings_csv(frame)))

    assert read_back.to_dict("records") == [
        {"subject": "'=cmd|' /C calc'!A0", "title": "'@x", "n": "ok"}
    ]


def test_findings_json_keeps_the_report_shape() -> None:
    finding = Finding("trust.broad-principal", Severity.CRITICAL, subject="x")

    document = json.loads(findings_json([finding]))

    assert document == {"findings": [finding.to_json()]}


def test_findings_frame_and_filter_on_fixture() -> None:
    graph = load_graph(TAGGED)
    frame = findings_frame(graph, evaluate_rules(graph), {ALICE: "human"})

    shown = filter_findings(frame, {"tier": ["human"], "cloud": []})

    assert set(frame["cloud"]) == {"aws"}
    assert list(zip(shown["rule"], shown["subject"], strict=True)) == [
        ("path.escalation-to-admin", ALICE)
    ]


def test_route_steps_frame_lists_each_step() -> None:
    graph = load_graph(TAGGED)

    steps = route_steps_frame(routes_to_admin(graph, ALICE))

    assert list(zip(steps["route"], steps["step"], steps["target"], strict=True)) == [
        (1, 1, DEPLOYER),
        (1, 2, ADMIN),
    ]
    assert list(steps["evidence"]) == [
        f"{DEPLOYER} trust policy [statement 0]; {ALICE} inline assume [statement 0]",
        f"{ADMIN} trust policy [statement 0]; {DEPLOYER} inline assume [statement 0]",
    ]


def test_principal_tiers_read_the_tier_attribute() -> None:
    graph = TrustGraph()
    graph.add_principal(
        Principal(
            "arn:aws:iam::1:user/bg", NodeKind.USER, attributes={"tier": "break_glass"}
        )
    )
    graph.add_principal(Principal("arn:aws:iam::1:user/plain", NodeKind.USER))

    tiers = principal_tiers(graph)

    assert tiers["arn:aws:iam::1:user/bg"] == "break_glass"
