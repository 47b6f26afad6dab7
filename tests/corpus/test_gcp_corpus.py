"""Every public GCP export of the corpus loads, with facts read off each file."""

from pathlib import Path

import pytest

from graph.build import build_graph
from graph.load import load_inputs
from graph.model import Mechanism, NodeKind
from graph.trustgraph import TrustGraph
from queries.findings import evaluate_rules

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "gcp"
CUSTODIAN = CORPUS / "cloud-custodian_org-111111111111_getIamPolicy.policy.json"
FORSETI_POLICIES = CORPUS / "forseti_mock_cai_iam_policies.cai-export.jsonl"
FORSETI_RESOURCES = CORPUS / "forseti_mock_cai_resources.cai-export.jsonl"
SCANNER = CORPUS / "gcp_scanner_test-project_iam_policy.bindings.json"
BINDINGS = CORPUS / "policy-library_iam_allowed_bindings.cai-assets.json"
DOMAINS = CORPUS / "policy-library_iam_allowed_policy_member_domains.cai-assets.json"


def _graph(*paths: Path) -> TrustGraph:
    return build_graph(load_inputs(paths))


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (CUSTODIAN, "gcp.policy_body"),
        (FORSETI_POLICIES, "gcp.cai_export"),
        (FORSETI_RESOURCES, "gcp.cai_export"),
        (SCANNER, "gcp.policy_body"),
        (BINDINGS, "gcp.cai_export"),
        (DOMAINS, "gcp.cai_export"),
    ],
)
def test_every_file_is_recognised_and_builds(path: Path, kind: str) -> None:
    inventory = load_inputs([path])
    assert [d.kind for d in inventory.documents] == [kind]
    assert inventory.coverage == []
    graph = build_graph(inventory)
    assert len(graph) > 0
    evaluate_rules(graph)


def test_custodian_body_keeps_an_unknown_scope_and_its_traps() -> None:
    graph = _graph(CUSTODIAN)
    gaps = {(g.reason, g.detail.split(":")[-1].strip()) for g in graph.coverage}
    assert (
        "unknown-resource",
        "policy body without its resource; bindings kept under an unknown scope",
    ) in gaps
    assert any("'abcdefg'" in g.detail for g in graph.coverage)
    assert set(graph.admins()) == {
        "allUsers",
        "user:abc@gmail.com",
        "user:zzz@gmail.com",
        "serviceAccount:abc@testproject.iam.gserviceaccount.com",
        "serviceAccount:def@testproject.iam.gserviceaccount.com",
    }
    assert "group:dummyGroup1" in graph and not graph.is_admin("group:dummyGroup1")
    broad = [n for n in graph.notes if n.rule == "trust.broad-principal"]
    assert [(n.evidence.detail, n.subject) for n in broad] == [
        ("allUsers", f"unknown-resource:{CUSTODIAN}")
    ]


def test_forseti_exports_resolve_numbers_and_hierarchy() -> None:
    graph = _graph(FORSETI_POLICIES, FORSETI_RESOURCES)
    project4 = graph.principal("projects/project4")
    assert project4.attributes["project_number"] == "1044"
    assert project4.container_id == "folders/1033"
    assert graph.container_of("folders/1033") == "folders/1032"
    assert graph.container_of("folders/1032") == "organizations/111222333"
    assert "projects/1044" not in graph
    compute = "serviceAccount:1041-compute@developer.gserviceaccount.com"
    assert graph.principal(compute).attributes["unique_id"] == "1101"
    # roles/iam.serviceAccountKeyAdmin granted on serviceAccounts/1101
    assert graph.edge("user:c_user@forseti.test", compute, Mechanism.CREATE_SA_KEY)
    # roles/resourcemanager.organizationAdmin on the organisation
    assert graph.edge(
        "user:a_user@forseti.test",
        "organizations/111222333",
        Mechanism.SET_IAM_POLICY,
    )
    assert {"user:a_user@forseti.test", "group:c_grp@forseti.test"} <= set(
        graph.admins()
    )
    # the one key in the export is SYSTEM_MANAGED: not a long-lived credential
    other = "serviceAccount:123-compute@developer.gserviceaccount.com"
    assert graph.principal(other).attributes["access_keys"] == []


def test_scanner_bindings_separate_agents_from_accounts() -> None:
    graph = _graph(SCANNER)
    agent = (
        "serviceAccount:service-413204024550@gcp-sa-cloudbuild.iam.gserviceaccount.com"
    )
    assert graph.principal(agent).kind is NodeKind.SERVICE_AGENT
    compute = "serviceAccount:413204024550-compute@developer.gserviceaccount.com"
    assert graph.principal(compute).kind is NodeKind.SERVICE_ACCOUNT
    assert {
        "user:redacted-user@example.com",
        "user:test.gcp.scanner@gmail.com",
        compute,
        "serviceAccount:test-gcp-scanner@appspot.gserviceaccount.com",
    } <= set(graph.admins())
    viewer = (
        "serviceAccount:functional-test-gcp-scanner"
        "@test-gcp-scanner.iam.gserviceaccount.com"
    )
    assert not graph.is_admin(viewer)


def test_public_viewer_is_no_broad_trust() -> None:
    graph = _graph(BINDINGS)
    assert graph.principal("allUsers").kind is NodeKind.PUBLIC
    assert graph.out_edges("allUsers") == []
    assert graph.out_edges("allAuthenticatedUsers") == []
    rules = {f.rule for f in evaluate_rules(graph)}
    assert "trust.broad-principal" not in rules
    assert graph.is_admin("user:evil@notgoogle.com")


def test_member_domains_keep_domains_and_foreign_accounts() -> None:
    graph = _graph(DOMAINS)
    assert graph.principal("domain:google.com").kind is NodeKind.DOMAIN
    foreign = "serviceAccount:cai-292@noble-history-87417.iam.gserviceaccount.com"
    assert graph.container_of(foreign) == "projects/noble-history-87417"
    assert {"projects/12345", "projects/186783260185"} <= {
        p.node_id for p in graph.principals(NodeKind.GCP_PROJECT)
    }
    assert [g.reason for g in graph.coverage] == ["unsupported-member"]
