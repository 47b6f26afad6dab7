"""No credential value reaches a file, a log line, the console or a report.

A real ``crosstrust -vv collect aws`` child runs against moto through the fault
proxy, with credential-looking values planted in its environment; the keys moto
minted for seeded users and the session tokens STS handed out are collected too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from crosstrust.cli import main
from tests.collectors.conftest import SECRET_ACCESS_KEY
from tests.collectors.fault_proxy import FaultProxy
from tests.collectors.seed import SeededOrg

ROOT = Path(__file__).resolve().parents[2]
SESSION_TOKEN = "IQoJb3JpZ2luX2VjECrosstrustPlantedSessionToken0000000000"
PRIVATE_KEY = (
    "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANcrosstrustplanted\\n"
    "-----END PRIVATE KEY-----"
)
CLIENT_SECRET = "crosstrust~planted~azure~client~secret~0000"
PLANTED = {
    "AWS_SESSION_TOKEN": SESSION_TOKEN,
    "AZURE_CLIENT_SECRET": CLIENT_SECRET,
    "GOOGLE_PRIVATE_KEY": PRIVATE_KEY,
}
MARKERS = ("SecretAccessKey", "SessionToken", "BEGIN PRIVATE KEY", "privateKeyData")


def test_a_verbose_collection_and_its_reports_hold_no_secret(
    seeded: SeededOrg, proxy: FaultProxy, tmp_path: Path
) -> None:
    out = tmp_path / "snap"
    env = {**os.environ, **PLANTED, "PYTHONPATH": str(ROOT)}
    child = subprocess.run(
        [sys.executable, "-m", "crosstrust.cli", "-vv", "collect", "aws"]
        + ["--out", str(out), "--org"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    assert "DEBUG" in child.stderr  # -vv really logged at debug

    texts = {"stdout": child.stdout, "stderr": child.stderr}
    for path in out.rglob("*"):
        if path.is_file():
            texts[str(path)] = path.read_text(encoding="utf-8")
    for fmt in ("table", "json", "markdown", "html", "sarif"):
        report = CliRunner().invoke(main, ["-vv", "report", str(out), "--format", fmt])
        assert report.exit_code == 0, report.output
        texts[f"report.{fmt}"] = report.output

    secrets = {
        SECRET_ACCESS_KEY,
        SESSION_TOKEN,
        CLIENT_SECRET,
        "MIIEvQIBADANcrosstrustplanted",
        *seeded.secrets,
        *proxy.secrets,
    }
    assert len(proxy.secrets) >= len(seeded.accounts) - 1  # STS really answered
    assert seeded.secrets
    leaks = {
        (where, secret[:12])
        for where, text in texts.items()
        for secret in secrets
        if secret in text
    }
    assert leaks == set()
    assert {(w, m) for w, t in texts.items() for m in MARKERS if m in t} == set()
    assert len(texts) > 8
