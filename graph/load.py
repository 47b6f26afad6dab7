"""Load stage: read snapshot folders and export files, recognise each by content."""

from __future__ import annotations

import gc
import json
import logging
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.errors import UnrecognizedInput
from graph.model import Cloud, CoverageGap

logger = logging.getLogger(__name__)

MANIFEST_SCHEMA = "crosstrust.manifest/1"
MAX_FILE_BYTES = 512 * 1024 * 1024
# Collectors write DIR.partial-<pid> and rename it only when the run ends.
_PARTIAL = re.compile(r"\.partial-\d+$")


@dataclass(frozen=True, slots=True)
class LoadedDocument:
    """One recognised export: its kind (``aws.authz`` ...), file and content."""

    kind: str
    path: str
    data: Any


@dataclass(frozen=True, slots=True)
class Recognizer:
    """A content test for one export shape; ``match`` must not raise."""

    kind: str
    match: Callable[[Any], bool]


@dataclass(slots=True)
class Inventory:
    """Everything the load stage read, grouped by document kind."""

    documents: list[LoadedDocument] = field(default_factory=list)
    coverage: list[CoverageGap] = field(default_factory=list)
    manifests: list[dict[str, Any]] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[LoadedDocument]:
        return [d for d in self.documents if d.kind == kind]

    def kinds(self) -> set[str]:
        return {d.kind for d in self.documents}


def _recognizers() -> tuple[Recognizer, ...]:
    # One entry per cloud; each cloud module lists its own shapes.
    from graph.aws.recognize import RECOGNIZERS as AWS
    from graph.azure.recognize import RECOGNIZERS as AZURE
    from graph.gcp.recognize import RECOGNIZERS as GCP

    return (*AWS, *GCP, *AZURE)


def recognize(data: Any) -> str | None:
    """Return the document kind of parsed JSON content, or None."""
    if isinstance(data, dict) and data.get("schema") == MANIFEST_SCHEMA:
        return "manifest"
    for recognizer in _recognizers():
        if recognizer.match(data):
            return recognizer.kind
    return None


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector while exports load or a graph is built.

    Both allocate hundreds of thousands of long-lived objects and hardly any
    cycles; every allocation burst would otherwise trigger collections that
    rescan everything read or built so far (most of the load time, about a
    third of the build time). On the way out, everything allocated meanwhile
    goes straight to the oldest generation (freeze, then unfreeze: no scan),
    so the next young collections do not pay the deferred cost instead.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def load_inputs(paths: Iterable[str | Path]) -> Inventory:
    """Read files and folders (recursively) into an :class:`Inventory`.

    Unreadable or unrecognised files become coverage gaps named by file;
    loading continues with the rest. A path that does not exist raises
    :class:`UnrecognizedInput`.
    """
    inventory = Inventory()
    for path in paths:
        root = Path(path)
        if not root.exists():
            raise UnrecognizedInput(f"{root}: no such file or folder")
        if root.is_dir() and _PARTIAL.search(root.name):
            detail = "folder of a collection that never finished; it may lack scopes"
            _gap(inventory, str(root), "partial-snapshot", detail)
        with gc_paused():
            for name, text in _read_all(root, inventory):
                _load_text(name, text, inventory)
    logger.info(
        "loaded %d documents, %d coverage gaps",
        len(inventory.documents),
        len(inventory.coverage),
    )
    return inventory


def _read_all(root: Path, inventory: Inventory) -> Iterator[tuple[str, str]]:
    files = (
        sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
    )
    for file in files:
        if file.name.startswith(".") or file.suffix.lower() in {".md", ".txt"}:
            continue
        if file.suffix.lower() == ".zip":
            yield from _read_zip(file, inventory)
            continue
        if file.stat().st_size > MAX_FILE_BYTES:
            _gap(inventory, str(file), "too-large", f"over {MAX_FILE_BYTES} bytes")
            continue
        try:
            yield str(file), file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            _gap(inventory, str(file), "unreadable", str(exc))


def _read_zip(file: Path, inventory: Inventory) -> Iterator[tuple[str, str]]:
    try:
        with zipfile.ZipFile(file) as archive:
            unpacked = 0
            for info in sorted(archive.infolist(), key=lambda i: i.filename):
                if info.is_dir():
                    continue
                name = f"{file}!{info.filename}"
                unpacked += info.file_size
                if info.file_size > MAX_FILE_BYTES or unpacked > MAX_FILE_BYTES:
                    # A small archive can unpack to far more than memory holds.
                    detail = f"unpacks past {MAX_FILE_BYTES} bytes; not read"
                    _gap(inventory, name, "too-large", detail)
                    continue
                try:
                    yield name, archive.read(info).decode("utf-8-sig")
                except UnicodeDecodeError as exc:
                    _gap(inventory, name, "unreadable", str(exc))
    except zipfile.BadZipFile as exc:
        _gap(inventory, str(file), "unreadable", f"not a zip archive: {exc}")


def _load_text(name: str, text: str, inventory: Inventory) -> None:
    data = _parse_json(name, text, inventory)
    if data is None:
        return
    kind = recognize(data)
    if kind is None:
        _gap(inventory, name, "unrecognized", "content matches no known export shape")
        return
    if kind == "manifest":
        inventory.manifests.append(data)
        inventory.coverage.extend(_manifest_gaps(data))
        return
    logger.debug("%s recognised as %s", name, kind)
    inventory.documents.append(LoadedDocument(kind=kind, path=name, data=data))


def _parse_json(name: str, text: str, inventory: Inventory) -> Any:
    if not text.strip():
        _gap(inventory, name, "malformed", "empty file")
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        lines = [ln for ln in text.splitlines() if ln.strip()]
        if len(lines) > 1:
            return _parse_json_lines(name, lines, inventory, exc)
        _gap(inventory, name, "malformed", f"invalid JSON: {exc}")
        return None
    except RecursionError:
        _gap(inventory, name, "malformed", "JSON nested too deeply")
        return None


def _parse_json_lines(
    name: str,
    lines: list[str],
    inventory: Inventory,
    first_error: json.JSONDecodeError,
) -> list[Any] | None:
    rows = []
    for number, line in enumerate(lines, start=1):
        try:
            rows.append(json.loads(line))
        except (json.JSONDecodeError, RecursionError):
            detail = (
                f"invalid JSON ({first_error}); not JSON lines either (line {number})"
            )
            _gap(inventory, name, "malformed", detail)
            return None
    return rows


def _manifest_gaps(manifest: dict[str, Any]) -> list[CoverageGap]:
    gaps = []
    for entry in manifest.get("coverage") or []:
        if isinstance(entry, dict):
            cloud = entry.get("cloud")
            gaps.append(
                CoverageGap(
                    scope=str(entry.get("scope", "")),
                    reason=str(entry.get("reason", "")),
                    detail=str(entry.get("detail", "")),
                    cloud=Cloud(cloud) if cloud in set(Cloud) else None,
                )
            )
    return gaps


def _gap(inventory: Inventory, scope: str, reason: str, detail: str) -> None:
    logger.warning("skipped %s: %s (%s)", scope, reason, detail)
    inventory.coverage.append(CoverageGap(scope=scope, reason=reason, detail=detail))
