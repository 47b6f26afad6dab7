"""Snapshot stage: write a collector's files into a temporary folder, then rename it."""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from collectors import CollectError
from graph.model import Manifest

logger = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True, slots=True)
class CollectResult:
    """A committed snapshot, and which scopes it holds only partly or not at all."""

    path: Path
    manifest: Manifest
    partly: tuple[str, ...] = ()
    unread: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.manifest.coverage


def partial_name(target: Path) -> Path:
    """The folder a run writes into before it is complete."""
    return target.with_name(f"{target.name}.partial-{os.getpid()}")


class SnapshotWriter:
    """Files go to ``<target>.partial-<pid>``; :meth:`commit` renames it whole.

    A run that never commits leaves only the partial folder, so no folder that
    looks like a finished snapshot can hold half the data.
    """

    def __init__(self, target: Path, *, replace: bool = False) -> None:
        self.target = target
        self.temp = partial_name(target)
        self.files: list[str] = []
        self._lock = threading.Lock()
        _check_target(target, replace=replace)

        if self.temp.exists():
            shutil.rmtree(self.temp)
        self.temp.mkdir(parents=True)

    def write_json(self, relative: str, data: Any) -> Path:
        """Write one document; the file appears only once fully written."""
        path = self.temp / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(data, indent=1, ensure_ascii=False, default=_json_default)

        scratch = path.with_name(f".{path.name}.tmp")
        scratch.write_text(text + "\n", encoding="utf-8")
        os.replace(scratch, path)
        with self._lock:
            self.files.append(relative)
        logger.debug("wrote %s", path)
        return path

    def commit(self, manifest: Manifest) -> Path:
        """Write the manifest and move the folder to its final name."""
        self.write_json(MANIFEST_NAME, manifest.to_json())
        if not self.target.exists():
            os.rename(self.temp, self.target)
            return self.target

        # Replacing an earlier snapshot: move it aside first, drop it last.
        old = self.target.with_name(f"{self.target.name}.old-{os.getpid()}")
        os.rename(self.target, old)
        os.rename(self.temp, self.target)
        shutil.rmtree(old)
        return self.target

    def abandon(self, manifest: Manifest) -> Path:
        """Leave the partial folder, with a manifest that admits what is missing."""
        self.write_json(MANIFEST_NAME, manifest.to_json())
        return self.temp


def _check_target(target: Path, *, replace: bool) -> None:
    if not target.exists():
        return
    if not target.is_dir():
        raise CollectError(f"{target}: exists and is not a folder")
    if not any(target.iterdir()):
        target.rmdir()
        return
    if not replace:
        raise CollectError(f"{target}: folder is not empty (use --force to replace)")
    if not (target / MANIFEST_NAME).is_file():
        raise CollectError(
            f"{target}: not a snapshot (no {MANIFEST_NAME}); not replaced"
        )


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
