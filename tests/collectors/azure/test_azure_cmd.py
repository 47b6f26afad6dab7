"""``crosstrust collect azure``: options, summary and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from azure.core.exceptions import ClientAuthenticationError
from click.testing import CliRunner, Result

import collectors.azure
from crosstrust.cli import main
from tests.collectors.azure.conftest import DEV, PROD, SANDBOX, TENANT
from tests.collectors.azure.fake_azure import FakeAzure, FakeCredential


@pytest.fixture
def signed_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """DefaultAzureCredential replaced by the dummy-token credential."""
    monkeypatch.setattr(
        collectors.azure,
        "default_credential",
        lambda tenant_id: FakeCredential(),
    )


def run(
    server: FakeAzure,
    certificate: tuple[Path, Path],
    out: Path,
    *extra: str,
) -> Result:
    args = [
        "collect",
        "azure",
        "--out",
        str(out),
        "--tenant",
        TENANT.upper(),
        "--arm-endpoint",
        server.url,
        "--graph-endpoint",
        server.url,
        "--ca-bundle",
        str(certificate[0]),
        "--quiet",
        *extra,
    ]
    return CliRunner().invoke(main, args)


@pytest.mark.usefixtures("signed_in")
@pytest.mark.parametrize(
    ("extra", "code", "scopes"),
    [
        ((), 3, [TENANT, PROD, DEV, SANDBOX]),
        (("--subscription", f"{PROD},/subscriptions/{DEV}"), 0, [TENANT, PROD, DEV]),
        (("--subscription", SANDBOX, "--no-directory"), 3, [TENANT, SANDBOX]),
    ],
)
def test_exit_code_follows_coverage(
    fake_azure: FakeAzure,
    certificate: tuple[Path, Path],
    tmp_path: Path,
    extra: tuple[str, ...],
    code: int,
    scopes: list[str],
) -> None:
    result = run(fake_azure, certificate, tmp_path / "out", *extra)

    assert result.exit_code == code, result.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    expected = [f"/tenants/{TENANT}"] + [f"/subscriptions/{s}" for s in scopes[1:]]
    assert manifest["scopes"] == expected
    gaps = [f"  gap /subscriptions/{SANDBOX}: access-denied" in result.output]
    assert gaps == [code == 3]


@pytest.mark.usefixtures("signed_in")
def test_no_directory_skips_graph(
    fake_azure: FakeAzure,
    certificate: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    result = run(fake_azure, certificate, tmp_path / "out", "--no-directory")
    assert result.exit_code == 3, result.output
    assert [p for p in fake_azure.paths() if p.startswith("/v1.0/")] == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--tenant", "contoso"), "not a tenant id"),
        (("--tenant", TENANT, "--subscription", "prod"), "not subscription ids"),
    ],
)
def test_bad_ids_are_usage_errors(
    tmp_path: Path,
    extra: tuple[str, ...],
    message: str,
) -> None:
    args = ["collect", "azure", "--out", str(tmp_path / "out"), *extra]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "out").exists()


def test_no_credential_exits_2(
    fake_azure: FakeAzure,
    certificate: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class SignedOut(FakeCredential):
        def get_token(self, *scopes: str, **kwargs: object) -> object:
            raise ClientAuthenticationError("no credential in the chain worked")

    monkeypatch.setattr(
        collectors.azure,
        "default_credential",
        lambda tenant_id: SignedOut(),
    )
    result = run(fake_azure, certificate, tmp_path / "out")
    assert result.exit_code == 2
    assert "error: no usable Azure credential" in result.output
    assert not (tmp_path / "out").exists()
