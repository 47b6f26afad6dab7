"""A synthetic organisation's report stays within its memory share; uploads are capped.

DESIGN's target is 4 GB for 1,000 accounts with 100,000 roles; this suite runs a
small organisation in a child process and holds it to a proportionate budget
(the full-size run is ``benchmarks/``'s job).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from synthetic_org import OrgShape, write_organization  # noqa: E402

ACCOUNTS, ROLES = 50, 100
# 5,000 roles: 5% of the target estate; 5% of 4 GB is 205 MB, plus the
# interpreter and libraries.
BUDGET_MB = 400

CHILD = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from click.testing import CliRunner
    from crosstrust.cli import main
    result = CliRunner().invoke(main, ["report", sys.argv[1], "--format", "json"])
    report = json.loads(result.output)
    # VmHWM is this process's own peak; ru_maxrss would also count the
    # pytest worker it was forked from (Linux keeps it across exec).
    status = Path("/proc/self/status").read_text()
    hwm = next(line for line in status.splitlines() if line.startswith("VmHWM"))
    peak = int(hwm.split()[1]) // 1024
    print(json.dumps({"exit": result.exit_code, "findings": len(report["findings"]),
                      "peak_mb": peak}))
    """
)


@pytest.mark.slow
def test_a_synthetic_org_report_stays_within_its_memory_budget(
    tmp_path: Path,
) -> None:
    write_organization(OrgShape(accounts=ACCOUNTS, roles=ROLES), tmp_path / "org")
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "org")],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    figures = json.loads(child.stdout.splitlines()[-1])
    print(figures)
    assert figures["exit"] == 0
    assert figures["findings"] > ACCOUNTS
    assert figures["peak_mb"] < BUDGET_MB, figures
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss > 0


def test_the_documented_upload_cap_is_the_one_enforced() -> None:
    from crosstrust.explorer import data, keys

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"(up to {keys.MAX_UPLOAD_MB} MB)" in readme
    assert data.MAX_UPLOAD_BYTES == keys.MAX_UPLOAD_MB * 1024 * 1024


def test_an_upload_over_the_cap_is_refused_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from streamlit.testing.v1 import AppTest

    from crosstrust.explorer import data, keys

    monkeypatch.setattr(data, "MAX_UPLOAD_BYTES", 1024)
    monkeypatch.setenv(keys.ENV_INPUTS, json.dumps([str(ROOT / "sample_data")]))
    monkeypatch.setenv(keys.ENV_START_PAGE, "overview")
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    big = json.dumps({"RoleDetailList": [{"RoleName": "x" * 2048}]}).encode()
    app.sidebar.file_uploader(key=keys.UPLOAD).set_value(
        ("big.json", big, "application/json")
    ).run()

    assert not app.exception
    assert [e.value for e in app.error] == [
        f"uploads total 0.0 MB; the explorer accepts at most {keys.MAX_UPLOAD_MB} "
        "MB. Run \\`crosstrust explore PATH\\` on the files instead."
    ]


def test_explore_without_its_extra_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.util

    from click.testing import CliRunner

    from crosstrust import explore_cmd
    from crosstrust.cli import main

    real = importlib.util.find_spec
    launched: list[object] = []
    monkeypatch.setattr(explore_cmd.os, "execve", lambda *a: launched.append(a))
    monkeypatch.setattr(
        explore_cmd.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "streamlit" else real(name, *a),
    )
    result = CliRunner().invoke(main, ["explore", str(ROOT / "sample_data")])

    assert result.exit_code == 2
    assert result.output == (
        "error: the explorer needs streamlit: pip install 'crosstrust[explorer]'\n"
    )
    assert launched == []
