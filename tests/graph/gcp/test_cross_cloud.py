"""AWS web-identity trusts of accounts.google.com reach the GCP service account."""

from pathlib import Path

from graph.build import build_graph
from graph.load import load_inputs
from graph.model import Mechanism
from queries.paths import routes_between

FIXTURE = Path(__file__).parent / "fixtures" / "cross_cloud"
EXPORTER = "serviceAccount:exporter@data-lake.iam.gserviceaccount.com"
SUBJECT = "oidc:accounts.google.com:110000000000000000042"
ROLE = "arn:aws:iam::111111111111:role/gcp-exporter"


def test_service_account_federates_into_the_aws_role() -> None:
    graph = build_graph(load_inputs([FIXTURE]))
    edge = graph.edge(EXPORTER, SUBJECT, Mechanism.FEDERATE)
    assert edge is not None and edge.cross_boundary and not edge.conditional
    other = "serviceAccount:other@data-lake.iam.gserviceaccount.com"
    assert graph.out_edges(other) == []
    routes = routes_between(graph, "user:analyst@example.com", ROLE)
    assert [r.nodes for r in routes] == [
        ("user:analyst@example.com", EXPORTER, SUBJECT, ROLE)
    ]
    assert [str(e.mechanism) for e in routes[0].edges] == [
        "impersonate",
        "federate",
        "assume_role_web_identity",
    ]
