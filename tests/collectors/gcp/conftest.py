"""Fixtures for GCP collector tests: the real clients aimed at local fakes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from google.cloud import asset_v1, iam_admin_v1, iam_v2, resourcemanager_v3
from google.cloud.iam_admin_v1.services.iam.transports import IAMGrpcTransport
from google.oauth2.credentials import Credentials

from collectors.gcp import GcpOptions, collect_gcp
from collectors.gcp_clients import GcpClients
from collectors.snapshot import CollectResult
from tests.collectors.gcp.fakes import GrpcIamFake, Recorded, RestFake, load_routes

ORGANIZATION = "100000000001"
CALLER = "serviceAccount:auditor@ops-ci.iam.gserviceaccount.com"
# A distinctive bearer token, so tests can prove it never reaches disk or logs.
TOKEN = "ya29.crosstrust-test-token-never-written"


@dataclass(slots=True)
class Fakes:
    """Both fakes, their shared routes and request log, and clients aimed at them."""

    recorded: Recorded
    rest: RestFake
    iam: GrpcIamFake

    def use(self, *names: str) -> None:
        """Put the routes of these files first (they win over the base routes)."""
        extra = [route for name in names for route in load_routes(name)]
        self.recorded.routes[:0] = extra

    def clients(self) -> GcpClients:
        rest = {
            "credentials": Credentials(token=TOKEN),
            "transport": "rest",
            "client_options": {"api_endpoint": self.rest.url},
        }
        channel = grpc.insecure_channel(self.iam.address)
        return GcpClients(
            organizations=resourcemanager_v3.OrganizationsClient(**rest),
            folders=resourcemanager_v3.FoldersClient(**rest),
            projects=resourcemanager_v3.ProjectsClient(**rest),
            asset=asset_v1.AssetServiceClient(**rest),
            iam=iam_admin_v1.IAMClient(transport=IAMGrpcTransport(channel=channel)),
            deny=iam_v2.PoliciesClient(**rest),
            caller=CALLER,
        )


@pytest.fixture(autouse=True)
def no_ambient_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test finds real credentials or asks a metadata server off this host."""
    monkeypatch.setenv("NO_GCE_CHECK", "True")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "no-adc.json"))
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "no-gcloud"))


@pytest.fixture
def fakes() -> Iterator[Fakes]:
    recorded = Recorded(load_routes("routes.json"))
    rest, iam = RestFake(recorded).start(), GrpcIamFake(recorded).start()
    yield Fakes(recorded, rest, iam)
    rest.stop()
    iam.stop()


Collect = Callable[..., CollectResult]


@pytest.fixture
def collect(fakes: Fakes, tmp_path: Path) -> Collect:
    """Run the collector against the fakes into ``tmp_path/snap``."""

    def run(**options: object) -> CollectResult:
        options.setdefault("retry_timeout", 2.0)
        options.setdefault("retry_initial", 0.01)
        return collect_gcp(
            GcpOptions(**options),  # type: ignore[arg-type]
            tmp_path / "snap",
            clients=fakes.clients(),
            tool_version="test",
        )

    return run
