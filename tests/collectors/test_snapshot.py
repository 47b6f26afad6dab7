"""The snapshot writer: a folder appears whole or not at all."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from collectors import CollectError
from collectors.progress import Progress
from collectors.snapshot import SnapshotWriter, partial_name
from graph.model import CoverageGap, Manifest

MANIFEST = Manifest(tool_version="0.1.0", started_at="2026-12-03T00:00:00+00:00")


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_files_stay_in_the_partial_folder_until_commit(tmp_path: Path) -> None:
    target = tmp_path / "snap"
    writer = SnapshotWriter(target)
    writer.write_json("aws/1/a.json", {"when": datetime(2026, 1, 2, tzinfo=UTC)})

    assert writer.temp == tmp_path / f"snap.partial-{os.getpid()}"
    assert not target.exists()
    assert writer.commit(MANIFEST) == target
    assert files_under(target) == {"aws/1/a.json", "manifest.json"}
    assert json.loads((target / "aws/1/a.json").read_text()) == {
        "when": "2026-01-02T00:00:00+00:00"
    }
    assert not writer.temp.exists()


def test_abandoned_run_keeps_the_partial_folder_and_its_manifest(
    tmp_path: Path,
) -> None:
    writer = SnapshotWriter(tmp_path / "snap")
    gap = CoverageGap("snapshot", "interrupted", "stopped")
    manifest = Manifest(tool_version="0.1.0", started_at="t", coverage=(gap,))

    path = writer.abandon(manifest)

    assert path == partial_name(tmp_path / "snap")
    assert not (tmp_path / "snap").exists()
    written = json.loads((path / "manifest.json").read_text())
    assert written["coverage"][0]["reason"] == "interrupted"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"notes.txt": "mine"}, "folder is not empty"),
        ({"manifest.json": "{}"}, "folder is not empty"),
    ],
)
def test_a_non_empty_folder_is_never_overwritten_without_force(
    tmp_path: Path, content: dict[str, str], message: str
) -> None:
    target = tmp_path / "snap"
    target.mkdir()
    for name, text in content.items():
        (target / name).write_text(text)

    with pytest.raises(CollectError, match=message):
        SnapshotWriter(target)
    assert files_under(target) == set(content)


def test_force_replaces_only_an_earlier_snapshot(tmp_path: Path) -> None:
    target = tmp_path / "snap"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(CollectError, match="not a snapshot"):
        SnapshotWriter(target, replace=True)

    (target / "manifest.json").write_text("{}")
    writer = SnapshotWriter(target, replace=True)
    writer.write_json("aws/1/b.json", {})
    writer.commit(MANIFEST)
    assert files_under(target) == {"aws/1/b.json", "manifest.json"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap"]


def test_an_empty_folder_is_taken_over(tmp_path: Path) -> None:
    target = tmp_path / "snap"
    target.mkdir()
    SnapshotWriter(target).commit(MANIFEST)
    assert files_under(target) == {"manifest.json"}


def test_progress_is_silent_when_quiet(capsys: pytest.CaptureFixture[str]) -> None:
    progress = Progress(quiet=True, enabled=True)
    with progress.phase("accounts", total=2) as bar:
        bar.grow(1)
        bar.advance(3)
    assert not progress.enabled
    assert capsys.readouterr().err == ""


def test_progress_draws_a_bar_per_phase(capsys: pytest.CaptureFixture[str]) -> None:
    progress = Progress(enabled=True)
    with progress.phase("accounts", total=2) as bar:
        bar.grow(1)
        bar.advance(3)
    err = capsys.readouterr().err
    assert "accounts" in err and "3/3" in err


def test_progress_is_off_when_stderr_is_not_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    progress = Progress()
    with progress.phase("accounts", total=1) as bar:
        bar.advance()
    assert not progress.enabled
    assert capsys.readouterr().err == ""
