"""The notebook API: load, frames, routes, reachability and escaped reprs."""

from pathlib import Path

import networkx as nx
import pytest

import crosstrust
from graph.errors import PrincipalNotFound
from graph.model import Evidence, Finding, Severity

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "aws"
VULNERABLE = CORPUS / "cloudsplaining_example_iam-vulnerable-deployment.authz.json"
ACCOUNT = "arn:aws:iam::200611803367"
START = f"{ACCOUNT}:role/privesc-AssumeRole-starting-role"
MIDDLE = f"{ACCOUNT}:role/privesc-AssumeRole-intermediate-role"
END = f"{ACCOUNT}:role/privesc-AssumeRole-ending-role"


@pytest.fixture(scope="module")
def trust() -> crosstrust.TrustAnalysis:
    return crosstrust.load(VULNERABLE)


def test_nx_is_the_underlying_multidigraph(trust: crosstrust.TrustAnalysis) -> None:
    assert isinstance(trust.nx, nx.MultiDiGraph)
    assert trust.nx.has_edge(START, MIDDLE)


def test_frames_have_documented_columns(trust: crosstrust.TrustAnalysis) -> None:
    findings = trust.findings()
    assert list(findings.columns[:4]) == ["rule", "severity", "subject", "title"]
    assert "path.escalation-to-admin" in set(findings.rule)
    principals = trust.principals()
    assert principals.loc[END, "is_admin"]
    edges = trust.edges()
    row = edges[(edges.source == START) & (edges.target == MIDDLE)]
    assert list(row.mechanism) == ["assume_role"]


def test_paths_to_admin_follow_the_role_chain(trust: crosstrust.TrustAnalysis) -> None:
    routes = trust.paths(START, "admin", limit=3)
    assert routes[0].nodes == (START, MIDDLE, END)
    assert trust.paths(START, MIDDLE)[0].nodes == (START, MIDDLE)


def test_reachability_both_ways(trust: crosstrust.TrustAnalysis) -> None:
    assert {MIDDLE, END} <= trust.reachable_from(START)
    assert {START, MIDDLE} <= trust.who_can_reach(END)
    with pytest.raises(PrincipalNotFound):
        trust.reachable_from("arn:aws:iam::000000000000:role/nope")


def test_reprs_escape_cloud_names(trust: crosstrust.TrustAnalysis) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    finding = Finding(
        "trust.broad-principal",
        Severity.HIGH,
        subject=hostile,
        path=(hostile, "b"),
        evidence=(Evidence(hostile, "0"),),
        title=hostile,
    )
    assert "<img" not in finding._repr_html_()
    assert "&lt;img" in finding._repr_html_()
    assert "<table>" in trust._repr_html_()
    route = trust.paths(START, "admin", limit=1)[0]
    assert START in route._repr_html_()


def test_draw_is_offline_html(trust: crosstrust.TrustAnalysis) -> None:
    route = trust.paths(START, "admin", limit=1)[0]
    markup = str(trust.draw(route))
    assert "vis-network" in markup or "vis.DataSet" in markup
    assert 'src="http' not in markup and 'href="http' not in markup
