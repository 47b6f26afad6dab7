"""Clients on application-default credentials: REST where the API has it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from collectors.gcp_clients import default_clients

REFRESH_TOKEN = "crosstrust-test-refresh-token-never-written"


@pytest.mark.parametrize(
    "extra, caller",
    [
        ({}, "application-default credentials"),
        ({"account": "auditor@example.test"}, "user:auditor@example.test"),
    ],
)
def test_default_clients_from_an_adc_file(
    extra: dict[str, str],
    caller: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    adc = tmp_path / "adc.json"
    adc.write_text(
        json.dumps(
            {
                "type": "authorized_user",
                "client_id": "crosstrust-test.apps.googleusercontent.com",
                "client_secret": "crosstrust-test-client-secret",
                "refresh_token": REFRESH_TOKEN,
                **extra,
            }
        )
    )
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(adc))
    clients = default_clients(quota_project="billing-project")

    assert clients.caller == caller
    kinds = {
        name: getattr(clients, name).transport.kind
        for name in ("organizations", "folders", "projects", "asset", "iam", "deny")
    }
    assert kinds == {
        "organizations": "rest",
        "folders": "rest",
        "projects": "rest",
        "asset": "rest",
        "iam": "grpc",
        "deny": "rest",
    }
    assert REFRESH_TOKEN not in repr(clients)
