"""Fixtures for the Azure collector: one fake HTTPS ARM + Graph server a session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from collectors.azure import AzureOptions
from tests.collectors.azure.fake_azure import (
    FakeAzure,
    FakeCredential,
    make_certificate,
)

TENANT = "7a1e5e00-0000-4000-8000-0000000000aa"
PROD = "5b000001-0000-4000-8000-000000000001"
DEV = "5b000002-0000-4000-8000-000000000002"
SANDBOX = "5b000003-0000-4000-8000-000000000003"


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def fake_server(certificate: tuple[Path, Path]) -> Iterator[FakeAzure]:
    server = FakeAzure.recorded(*certificate).start()
    yield server
    server.stop()


@pytest.fixture
def fake_azure(fake_server: FakeAzure) -> FakeAzure:
    """The session's server, with its request log and injected faults cleared."""
    fake_server.reset()
    return fake_server


@pytest.fixture
def credential() -> FakeCredential:
    return FakeCredential()


def options_for(
    server: FakeAzure,
    certificate: tuple[Path, Path],
    **changes: object,
) -> AzureOptions:
    """Options aimed at the fake server, with fast retries."""
    fields: dict[str, object] = {
        "tenant_id": TENANT,
        "arm_endpoint": server.url,
        "graph_endpoint": server.url,
        "verify": str(certificate[0]),
        "backoff": 0.01,
        "workers": 2,
    }
    fields.update(changes)
    return AzureOptions(**fields)  # type: ignore[arg-type]
