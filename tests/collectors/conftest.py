"""Fixtures for collector tests: one moto server per session, env pointing at it."""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Iterator

import pytest
from moto.server import ThreadedMotoServer

from tests.collectors.fault_proxy import FaultProxy
from tests.collectors.seed import SeededOrg, seed_org

# Distinctive dummy credentials, so tests can prove they never reach disk or logs.
ACCESS_KEY_ID = "AKIACROSSTRUSTTEST01"
SECRET_ACCESS_KEY = "crosstrust-test-secret-never-written"


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def moto(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A freshly reset moto, with SDK env vars aimed at it."""
    reset_moto(moto_url)
    aim_sdk_at(moto_url, monkeypatch)
    return moto_url


def reset_moto(url: str) -> None:
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    urllib.request.urlopen(request).close()


@pytest.fixture(scope="module")
def shared_org(moto_url: str) -> SeededOrg:
    """An organisation seeded once per module, for tests that only read it."""
    reset_moto(moto_url)
    with pytest.MonkeyPatch.context() as monkeypatch:
        aim_sdk_at(moto_url, monkeypatch)
        return seed_org()


@pytest.fixture
def seeded(
    shared_org: SeededOrg,
    moto_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> SeededOrg:
    """The module's organisation, with the SDK aimed at moto directly."""
    aim_sdk_at(moto_url, monkeypatch)
    return shared_org


@pytest.fixture
def proxy(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    """A fault-injecting proxy in front of moto; the SDK is aimed at the proxy."""
    fault_proxy = FaultProxy(moto_url).start()
    aim_sdk_at(fault_proxy.url, monkeypatch)
    yield fault_proxy
    fault_proxy.stop()


def aim_sdk_at(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/crosstrust-test-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/crosstrust-creds")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
