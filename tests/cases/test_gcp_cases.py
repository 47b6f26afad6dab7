"""The GCP hard cases (C24, C26) written out as native exports and loaded."""

import json
from pathlib import Path
from typing import Any

import pytest

from graph.build import build_graph
from graph.load import load_inputs
from graph.model import Mechanism, Severity
from graph.trustgraph import TrustGraph
from queries.findings import evaluate_rules
from queries.paths import routes_between

CASES = Path(__file__).resolve().parents[3] / "shared" / "cases"
GCP_CASES = ("C24", "C26")
RULES = {
    "public-binding": "trust.broad-principal",
    "wif-provider-unconditioned": "trust.oidc-unrestricted-subject",
}
GITHUB = "https://token.actions.githubusercontent.com"
CRM = "//cloudresourcemanager.googleapis.com/projects/"


def write_gcp_case(case_input: dict[str, Any], folder: Path) -> None:
    """One native export per kind: policy search results, accounts, providers."""
    results, accounts = [], []
    for project in case_input["projects"]:
        project_id = project["project_id"]
        number = f"projects/{project['project_number']}"
        results.append(
            {
                "resource": CRM + project_id,
                "project": number,
                "policy": project.get("iam_policy", {"bindings": []}),
            }
        )
        for account in project.get("service_accounts", []):
            email = account["email"]
            accounts.append({"email": email, "projectId": project_id})
            resource = (
                f"//iam.googleapis.com/projects/{project_id}/serviceAccounts/{email}"
            )
            results.append(
                {
                    "resource": resource,
                    "project": number,
                    "policy": account.get("iam_policy", {"bindings": []}),
                }
            )
        for index, pool in enumerate(project.get("workload_identity_pools", [])):
            providers = folder / f"{project_id}-pool-{index}.providers.json"
            providers.write_text(json.dumps(pool["providers"]))
    (folder / "policies.search.json").write_text(json.dumps(results))
    (folder / "service-accounts.json").write_text(json.dumps(accounts))


def _case(case_id: str) -> dict[str, Any]:
    return json.loads((CASES / f"{case_id}.json").read_text())


def _graph(case_id: str, tmp_path: Path) -> TrustGraph:
    write_gcp_case(_case(case_id)["input"]["gcp"], tmp_path)
    return build_graph(load_inputs([tmp_path]))


def _node(graph: TrustGraph, name: str) -> str:
    """Map the cases' descriptive names onto crosstrust node ids."""
    if name == "github:*":
        found = [
            p.node_id
            for p in graph.principals()
            if p.attributes.get("issuer") == GITHUB
            and not p.attributes.get("attribute_condition")
        ]
        assert len(found) == 1
        return found[0]
    return name.removeprefix("gcp:")


@pytest.mark.parametrize("case_id", GCP_CASES)
def test_case_edges_exist(case_id: str, tmp_path: Path) -> None:
    graph = _graph(case_id, tmp_path)
    for expected in _case(case_id)["expect"]["edges"]:
        source, target = _node(graph, expected["from"]), _node(graph, expected["to"])
        if expected["kind"] == "workload_identity":
            route = routes_between(graph, source, target, limit=1)[0]
            assert {e.mechanism for e in route.edges} == {Mechanism.FEDERATE}
            assert not route.conditional
        else:
            edge = graph.edge(source, target, Mechanism(expected["kind"]))
            assert edge is not None and not edge.conditional


@pytest.mark.parametrize("case_id", GCP_CASES)
def test_case_findings_fire(case_id: str, tmp_path: Path) -> None:
    findings = evaluate_rules(_graph(case_id, tmp_path))
    for expected in _case(case_id)["expect"]["findings"]:
        rule = RULES[expected["rule"]]
        floor = Severity(expected["severity"]).rank
        hits = [
            f
            for f in findings
            if f.rule == rule
            and f.subject == expected["subject"]
            and f.severity.rank >= floor
        ]
        assert hits, f"{case_id}: {rule} on {expected['subject']} did not fire"


def test_c24_pool_wide_binding_is_reported_on_the_account(tmp_path: Path) -> None:
    findings = evaluate_rules(_graph("C24", tmp_path))
    assert {(f.rule, f.subject) for f in findings if f.rule.startswith("trust.")} == {
        (
            "trust.oidc-unrestricted-subject",
            "projects/100000000001/locations/global/workloadIdentityPools/ci-pool"
            "/providers/github",
        ),
        (
            "trust.oidc-unrestricted-subject",
            "serviceAccount:deployer@example-project.iam.gserviceaccount.com",
        ),
    }


def test_c26_public_token_creator_reaches_the_editor_account(tmp_path: Path) -> None:
    graph = _graph("C26", tmp_path)
    account = "serviceAccount:privileged-sa@example-project.iam.gserviceaccount.com"
    assert graph.is_admin(account)
    assert graph.principal("allAuthenticatedUsers").external
    assert [
        r.nodes for r in routes_between(graph, "allAuthenticatedUsers", account)
    ] == [("allAuthenticatedUsers", account)]
