"""The AWS collector when calls fail: denied, throttled, unassumable, interrupted."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from botocore.retries.bucket import TokenBucket
from botocore.retries.standard import ExponentialBackoff

import collectors.aws
from tests.collectors.conftest import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from tests.collectors.fault_proxy import Fault, FaultProxy
from tests.collectors.seed import MANAGEMENT, SeededOrg
from tests.collectors.test_aws import (
    ACCOUNT_FILES,
    collect,
    gaps_of,
    manifest_of,
    written,
)

OUTSIDER = "444455556666"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries still happen, without the SDK's real backoff sleeps."""
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, ctx: 0.01)
    monkeypatch.setattr(TokenBucket, "acquire", lambda self, amount=1, block=True: True)


def test_unassumable_audit_role_is_recorded_and_the_rest_collected(
    seeded: SeededOrg, proxy: FaultProxy, tmp_path: Path
) -> None:
    prod = seeded.members["prod"]
    proxy.faults.append(Fault("AssumeRole", "AccessDenied", contains=prod))
    out = tmp_path / "snap"
    result = collect(out, "--org")

    assert result.exit_code == 3, result.output
    assert gaps_of(out) == {(prod, "role-not-assumable")}
    (gap,) = manifest_of(out)["coverage"]
    assert gap["detail"] == (
        f"account not read: sts:AssumeRole arn:aws:iam::{prod}:role/"
        "OrganizationAccountAccessRole: AccessDenied: injected AccessDenied by the "
        "test proxy"
    )
    assert set(manifest_of(out)["complete"]) == set(seeded.accounts) - {prod}
    assert not (out / "aws" / prod).exists()
    assert "1 not read" in result.output
    assert f"  gap {prod}: role-not-assumable: account not read: " in result.output


def test_listed_account_outside_the_org_that_denies_the_role(
    seeded: SeededOrg, proxy: FaultProxy, tmp_path: Path
) -> None:
    proxy.faults.append(Fault("AssumeRole", "AccessDenied", contains=OUTSIDER))
    out = tmp_path / "snap"
    result = collect(out, "--accounts", f"{MANAGEMENT},{OUTSIDER}")

    assert result.exit_code == 3, result.output
    assert manifest_of(out)["scopes"] == [MANAGEMENT, OUTSIDER]
    assert manifest_of(out)["complete"] == [MANAGEMENT]
    assert gaps_of(out) == {(OUTSIDER, "role-not-assumable")}
    assert written(out) == {f"aws/{MANAGEMENT}/{name}" for name in ACCOUNT_FILES}


@pytest.mark.usefixtures("quick_backoff")
def test_call_throttled_past_retries_is_recorded_and_the_run_goes_on(
    seeded: SeededOrg, proxy: FaultProxy, tmp_path: Path
) -> None:
    proxy.faults.append(Fault("ListAccessKeys", "Throttling"))
    out = tmp_path / "snap"
    result = collect(out, "--max-attempts", "2")

    assert result.exit_code == 3, result.output
    assert gaps_of(out) == {(MANAGEMENT, "throttled")}
    (gap,) = manifest_of(out)["coverage"]
    assert gap["detail"].startswith("iam:ListAccessKeys alice: Throttling")
    assert proxy.actions.count("ListAccessKeys") == 2
    assert written(out) == {f"aws/{MANAGEMENT}/{name}" for name in ACCOUNT_FILES}


@pytest.mark.usefixtures("quick_backoff")
def test_throttling_that_ends_within_retries_leaves_no_gap(
    seeded: SeededOrg, proxy: FaultProxy, tmp_path: Path
) -> None:
    proxy.faults.append(Fault("GetAccountAuthorizationDetails", "Throttling", times=2))
    out = tmp_path / "snap"
    result = collect(out, "--max-attempts", "4")

    assert result.exit_code == 0, result.output
    assert manifest_of(out)["coverage"] == []
    assert proxy.actions.count("GetAccountAuthorizationDetails") == 3


def test_denied_call_is_recorded_and_its_file_not_written(
    seeded: SeededOrg, proxy: FaultProxy, tmp_path: Path
) -> None:
    proxy.faults.append(Fault("ListSAMLProviders", "AccessDenied"))
    out = tmp_path / "snap"
    result = collect(out)

    assert result.exit_code == 3, result.output
    assert gaps_of(out) == {(MANAGEMENT, "access-denied")}
    assert manifest_of(out)["complete"] == []
    assert written(out) == {
        f"aws/{MANAGEMENT}/{name}"
        for name in ACCOUNT_FILES
        if name != "saml-providers.json"
    }
    assert "1 partly read" in result.output


def test_throttled_assume_role_says_throttled_and_account_not_read(
    seeded: SeededOrg, proxy: FaultProxy, tmp_path: Path
) -> None:
    proxy.faults.append(Fault("AssumeRole", "Throttling", contains=OUTSIDER))
    out = tmp_path / "snap"
    result = collect(out, "--accounts", OUTSIDER, "--max-attempts", "1")

    assert result.exit_code == 3, result.output
    assert gaps_of(out) == {(OUTSIDER, "throttled")}
    assert "1 not read" in result.output


def test_unreadable_organisation_falls_back_to_the_callers_account(
    seeded: SeededOrg, proxy: FaultProxy, tmp_path: Path
) -> None:
    proxy.faults.append(Fault("DescribeOrganization", "AccessDeniedException"))
    out = tmp_path / "snap"
    result = collect(out, "--org")

    assert result.exit_code == 3, result.output
    assert gaps_of(out) == {("organization", "access-denied")}
    assert manifest_of(out)["scopes"] == [MANAGEMENT]
    assert manifest_of(out)["complete"] == [MANAGEMENT]


def test_no_secret_reaches_files_or_logs(
    seeded: SeededOrg,
    proxy: FaultProxy,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    out = tmp_path / "snap"
    result = collect(out, "--org")
    assert result.exit_code == 0, result.output

    secrets = {SECRET_ACCESS_KEY, *seeded.secrets, *proxy.secrets}
    assert len(secrets) > len(seeded.accounts)
    texts = [p.read_text(encoding="utf-8") for p in out.rglob("*.json")]
    texts += [caplog.text, result.output]
    for text in texts:
        assert not [s for s in secrets if s in text]
        assert "SecretAccessKey" not in text
        assert "SessionToken" not in text


def test_interrupt_leaves_only_a_partial_folder_that_says_so(
    seeded: SeededOrg,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = collectors.aws.collect_account
    prod = seeded.members["prod"]

    def interrupted(account_id: str, *args: object, **kwargs: object) -> None:
        if account_id == prod:
            raise KeyboardInterrupt
        real(account_id, *args, **kwargs)

    monkeypatch.setattr(collectors.aws, "collect_account", interrupted)
    out = tmp_path / "snap"
    result = collect(out, "--org", "--workers", "1")

    assert result.exit_code == 2
    assert not out.exists()
    partial = tmp_path / f"snap.partial-{os.getpid()}"
    assert f"partial snapshot left in {partial}" in result.output
    manifest = manifest_of(partial)
    assert ("snapshot", "interrupted") in {
        (g["scope"], g["reason"]) for g in manifest["coverage"]
    }
    assert prod not in manifest["complete"]


def test_collector_fault_in_one_account_becomes_its_gap(
    seeded: SeededOrg,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = collectors.aws.collect_account
    dev = seeded.members["dev"]

    def faulty(account_id: str, *args: object, **kwargs: object) -> None:
        if account_id == dev:
            raise KeyError("RoleName")
        real(account_id, *args, **kwargs)

    monkeypatch.setattr(collectors.aws, "collect_account", faulty)
    out = tmp_path / "snap"
    result = collect(out, "--org")

    assert result.exit_code == 3, result.output
    assert gaps_of(out) == {(dev, "collector-fault")}
    assert set(manifest_of(out)["complete"]) == set(seeded.accounts) - {dev}
    assert "1 not read" in result.output


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_leaves_a_named_partial_folder_and_exit_2(
    seeded: SeededOrg, proxy: FaultProxy, tmp_path: Path, signum: signal.Signals
) -> None:
    proxy.faults.append(Fault("GetAccountAuthorizationDetails", delay=1.0))
    out = tmp_path / "snap"
    argv = [sys.executable, "-m", "crosstrust.cli", "collect", "aws"]
    child = subprocess.Popen(
        [*argv, "--out", str(out), "--org", "--workers", "1"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while "GetAccountAuthorizationDetails" not in proxy.actions:
        assert time.monotonic() < deadline and child.poll() is None
        time.sleep(0.05)
    child.send_signal(signum)
    _, err = child.communicate(timeout=60)

    partial = tmp_path / f"snap.partial-{child.pid}"
    assert child.returncode == 2, err
    assert f"partial snapshot left in {partial}" in err
    assert not out.exists()
    manifest = manifest_of(partial)
    assert ("snapshot", "interrupted") in {
        (g["scope"], g["reason"]) for g in manifest["coverage"]
    }
    assert len(manifest["complete"]) < len(seeded.accounts)


def test_profile_role_name_external_id_and_session_name_are_used(
    seeded: SeededOrg,
    proxy: FaultProxy,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[audit]\n"
        f"aws_access_key_id = {ACCESS_KEY_ID}\n"
        f"aws_secret_access_key = {SECRET_ACCESS_KEY}\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    prod = seeded.members["prod"]
    out = tmp_path / "snap"
    result = collect(
        out,
        *("--profile", "audit", "--accounts", prod),
        *("--role-name", "Auditor", "--session-name", "weekly-audit"),
        *("--external-id", "ext-4711"),
    )

    assert result.exit_code == 0, result.output
    (body,) = [b for action, b in proxy.requests if action == "AssumeRole"][-1:]
    form = parse_qs(body.decode())
    assert form["RoleArn"] == [f"arn:aws:iam::{prod}:role/Auditor"]
    assert form["RoleSessionName"] == ["weekly-audit"]
    assert form["ExternalId"] == ["ext-4711"]
    assert "ext-4711" not in (out / "manifest.json").read_text()


def test_unknown_profile_fails_with_exit_2(seeded: SeededOrg, tmp_path: Path) -> None:
    result = collect(tmp_path / "snap", "--profile", "nope")

    assert result.exit_code == 2
    assert "ProfileNotFound" in result.output
    assert list(tmp_path.iterdir()) == []
