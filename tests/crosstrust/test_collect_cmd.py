"""The collect command group: help text, exit codes, safe terminal output."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from crosstrust.cli import main
from crosstrust.collect_cmd import _printable


@pytest.mark.parametrize(
    ("argv", "sentence"),
    [
        (
            ["collect", "--help"],
            "Exit codes: 0 every scope read fully; 3 snapshot written with "
            "coverage gaps; 2 the run failed, was interrupted, or was called wrongly.",
        ),
        (
            ["collect", "aws", "--help"],
            "Exit codes: 0 complete; 3 written with coverage gaps; 2 failed or usage.",
        ),
    ],
)
def test_help_documents_the_exit_codes(argv: list[str], sentence: str) -> None:
    result = CliRunner().invoke(main, argv)

    assert result.exit_code == 0
    assert sentence in " ".join(result.output.split())


def test_collect_lists_aws() -> None:
    result = CliRunner().invoke(main, ["collect", "--help"])
    assert "aws" in result.output.split("Commands:")[1]


def test_gap_lines_cannot_carry_terminal_escapes() -> None:
    assert _printable("denied \x1b[2J\x07role") == "denied ?[2J?role"
