"""The AWS collector against a failing cloud: the run ends and states its coverage.

Exit codes: 0 complete, 3 written with coverage gaps, 2 failed. The manifest and
the report made from the snapshot both name what could not be read.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from botocore.retries.bucket import TokenBucket
from botocore.retries.standard import ExponentialBackoff
from click.testing import CliRunner

from crosstrust.cli import main
from tests.collectors.fault_proxy import PAGE_MARKER, Fault, FaultProxy
from tests.collectors.seed import SeededOrg
from tests.collectors.test_aws import collect, gaps_of, manifest_of

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, ctx: 0.01)
    monkeypatch.setattr(TokenBucket, "acquire", lambda self, amount=1, block=True: True)


def _report_coverage(out: Path) -> set[tuple[str, str]]:
    result = CliRunner().invoke(main, ["report", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    return {(g["scope"], g["reason"]) for g in json.loads(result.stdout)["coverage"]}


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("SignatureDoesNotMatch", 403),
        ("RequestTimeTooSkewed", 403),
        ("InvalidClientTokenId", 403),
    ],
)
def test_clock_skew_and_bad_signatures_in_one_account_are_partial(
    seeded: SeededOrg, proxy: FaultProxy, tmp_path: Path, code: str, status: int
) -> None:
    dev = seeded.members["dev"]
    proxy.faults.append(Fault("AssumeRole", code, contains=dev, status=status))
    out = tmp_path / "snap"
    result = collect(out, "--org")

    assert result.exit_code == 3, result.output
    assert {scope for scope, _ in gaps_of(out)} == {dev}
    assert dev not in manifest_of(out)["complete"]
    assert code in json.dumps(manifest_of(out)["coverage"])
    assert {dev} == {scope for scope, _ in _report_coverage(out)}


@pytest.mark.usefixtures("quick_backoff")
def test_access_denied_on_half_the_accounts_is_partial(
    seeded: SeededOrg, proxy: FaultProxy, tmp_path: Path
) -> None:
    denied = {seeded.members["prod"], seeded.members["dev"]}
    for account in denied:
        proxy.faults.append(Fault("AssumeRole", "AccessDenied", contains=account))
    out = tmp_path / "snap"
    result = collect(out, "--org")

    assert result.exit_code == 3, result.output
    assert gaps_of(out) == {(a, "role-not-assumable") for a in denied}
    assert set(manifest_of(out)["complete"]) == set(seeded.accounts) - denied
    assert {s for s, _ in _report_coverage(out)} == denied


@pytest.mark.usefixtures("quick_backoff")
def test_a_throttling_storm_on_every_call_fails_with_exit_2(
    seeded: SeededOrg, proxy: FaultProxy, tmp_path: Path
) -> None:
    proxy.faults.append(Fault("*", "Throttling"))
    out = tmp_path / "snap"
    result = collect(out, "--org", "--max-attempts", "2")

    assert result.exit_code == 2, result.output
    assert not out.exists() or not manifest_of(out)["complete"]


@pytest.mark.usefixtures("quick_backoff")
def test_a_storm_on_the_member_accounts_is_partial(
    seeded: SeededOrg, proxy: FaultProxy, tmp_path: Path
) -> None:
    proxy.faults.append(Fault("GetAccountAuthorizationDetails", "Throttling"))
    out = tmp_path / "snap"
    result = collect(out, "--org", "--max-attempts", "2")

    assert result.exit_code == 3, result.output
    assert {s for s, _ in gaps_of(out)} >= set(seeded.accounts)
    assert "throttl" in json.dumps(manifest_of(out)["coverage"]).lower()


@pytest.mark.usefixtures("quick_backoff")
def test_pagination_that_breaks_midway_is_a_gap_not_a_short_list(
    seeded: SeededOrg, proxy: FaultProxy, tmp_path: Path
) -> None:
    dev = seeded.members["dev"]
    # Page one of dev's authorization details claims a second page; it fails.
    action = "GetAccountAuthorizationDetails"
    proxy.faults.append(
        Fault(action, "ServiceUnavailable", contains=PAGE_MARKER, status=503)
    )
    proxy.faults.append(Fault(action, truncate=True, times=1))
    out = tmp_path / "snap"
    result = collect(out, "--accounts", dev, "--max-attempts", "2")

    assert any(PAGE_MARKER.encode() in body for _, body in proxy.requests)
    assert result.exit_code == 3, result.output
    gaps = manifest_of(out)["coverage"]
    assert [g["scope"] for g in gaps] == [dev]
    assert "GetAccountAuthorizationDetails" in gaps[0]["detail"]
    assert dev not in manifest_of(out)["complete"]


@pytest.mark.usefixtures("quick_backoff")
def test_a_call_that_times_out_is_a_gap(
    seeded: SeededOrg,
    proxy: FaultProxy,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import botocore.config

    real = botocore.config.Config.__init__

    def short(self: botocore.config.Config, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("read_timeout", 1)
        real(self, *args, **kwargs)

    monkeypatch.setattr(botocore.config.Config, "__init__", short)
    dev = seeded.members["dev"]
    proxy.faults.append(Fault("GetAccountAuthorizationDetails", delay=3.0))
    out = tmp_path / "snap"
    started = time.monotonic()
    result = collect(out, "--accounts", dev, "--max-attempts", "2")

    assert time.monotonic() - started < 30
    assert result.exit_code == 3, result.output
    assert "timed out" in json.dumps(manifest_of(out)["coverage"]).lower() or (
        "timeout" in json.dumps(manifest_of(out)["coverage"]).lower()
    )


def test_sigkill_mid_collection_leaves_no_complete_looking_snapshot(
    seeded: SeededOrg, proxy: FaultProxy, tmp_path: Path
) -> None:
    proxy.faults.append(Fault("GetAccountAuthorizationDetails", delay=2.0))
    out = tmp_path / "snap"
    child = subprocess.Popen(
        [sys.executable, "-m", "crosstrust.cli", "collect", "aws"]
        + ["--out", str(out), "--org", "--workers", "1", "--quiet"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + 30
    while "GetAccountAuthorizationDetails" not in proxy.actions:
        assert time.monotonic() < deadline and child.poll() is None
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)

    assert not out.exists()
    partial = tmp_path / f"snap.partial-{child.pid}"
    assert partial.is_dir()
    manifest = partial / "manifest.json"
    if manifest.exists():
        assert set(json.loads(manifest.read_text())["complete"]) != set(seeded.accounts)
    # Read anyway, the folder says it is partial.
    assert (str(partial), "partial-snapshot") in _report_coverage(partial)
