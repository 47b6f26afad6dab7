"""`crosstrust explore`: the Streamlit command line and the environment it gets."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import TAGGED

from crosstrust import explore_cmd
from crosstrust.cli import main
from crosstrust.explorer import keys


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[str], dict]]:
    """Capture the exec call instead of replacing the test process."""
    calls: list[tuple[str, list[str], dict]] = []
    monkeypatch.setattr(
        explore_cmd.os, "execve", lambda exe, argv, env: calls.append((exe, argv, env))
    )
    return calls


def test_explore_passes_inputs_history_and_page(
    launched: list[tuple[str, list[str], dict]], tmp_path: Path
) -> None:
    history = tmp_path / "history.db"
    history.write_bytes(b"")

    result = CliRunner().invoke(
        main,
        [
            "explore",
            str(TAGGED),
            "--history",
            str(history),
            "--page",
            "paths",
            "--port",
            "8123",
            "--headless",
        ],
    )

    assert result.exit_code == 0, result.output
    (executable, argv, env) = launched[0]
    assert executable == sys.executable
    assert argv[1:5] == ["-m", "streamlit", "run", str(explore_cmd.ROUTER)]
    assert argv[argv.index("--server.port") + 1] == "8123"
    assert argv[argv.index("--server.address") + 1] == "127.0.0.1"
    assert argv[argv.index("--server.headless") + 1] == "true"
    assert argv[argv.index("--server.maxUploadSize") + 1] == str(keys.MAX_UPLOAD_MB)
    assert json.loads(env[keys.ENV_INPUTS]) == [str(TAGGED.resolve())]
    assert env[keys.ENV_HISTORY] == str(history.resolve())
    assert env[keys.ENV_START_PAGE] == "paths"


def test_explore_defaults_to_the_bundled_sample(
    launched: list[tuple[str, list[str], dict]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keys, "SAMPLE_DATA", TAGGED)

    result = CliRunner().invoke(main, ["explore"])

    assert result.exit_code == 0, result.output
    assert json.loads(launched[0][2][keys.ENV_INPUTS]) == [str(TAGGED.resolve())]


def test_explore_refuses_a_missing_input(
    launched: list[tuple[str, list[str], dict]],
) -> None:
    result = CliRunner().invoke(main, ["explore", "/no/such/export.json"])

    assert result.exit_code == 2
    assert launched == []
