"""Render stage, interactive: where the explorer's graph comes from, and its caches.

The trust graph lives in ``st.cache_resource`` keyed by the input paths and a
content digest, and is never mutated; every derived table lives in
``st.cache_data`` with the graph passed as ``_graph`` and the digest as key.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import streamlit as st

from crosstrust import load_graph
from crosstrust.explorer import keys
from crosstrust.explorer.documents import read_trust_policy
from crosstrust.explorer.graphview import render_routes_html
from crosstrust.explorer.matrix import container_routes, reach_matrix
from crosstrust.explorer.tables import findings_frame, principal_tiers
from graph.errors import CrosstrustError, UnrecognizedInput
from graph.trustgraph import TrustGraph
from queries.paths import (
    ADMIN,
    Route,
    principals_reaching_admin,
    reachable_from,
    routes_between,
    routes_to_admin,
    who_can_reach,
)
from reports.document import ReportDocument, build_report

MAX_UPLOAD_MB = keys.MAX_UPLOAD_MB
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
_UPLOAD_ROOT = Path(tempfile.gettempdir()) / "crosstrust-uploads"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class UploadTooLarge(CrosstrustError):
    """Uploaded files whose total size is over :data:`MAX_UPLOAD_BYTES`."""


class Upload(Protocol):
    """What ``st.file_uploader`` hands back, as far as the explorer reads it."""

    name: str
    size: int

    def getvalue(self) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Source:
    """Input paths of the current graph, their content digest and a label."""

    paths: tuple[str, ...]
    digest: str
    label: str


def inputs_from_environment() -> tuple[str, ...]:
    """Inputs ``crosstrust explore`` passed (a JSON list), else the sample."""
    raw = os.environ.get(keys.ENV_INPUTS, "")
    if raw:
        return tuple(str(p) for p in json.loads(raw))
    return (str(keys.SAMPLE_DATA),)


def history_from_environment() -> str:
    return os.environ.get(keys.ENV_HISTORY, "")


def _files(paths: tuple[str, ...]) -> list[Path]:
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file()))
        elif path.exists():
            found.append(path)
    return found


def _signature(paths: tuple[str, ...]) -> tuple[tuple[str, int, int], ...]:
    """Cheap per-rerun fingerprint: each file's name, size and mtime."""
    return tuple(
        (str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in _files(paths)
    )


@st.cache_data(show_spinner=False, max_entries=16)
def _content_digest(
    paths: tuple[str, ...],
    signature: tuple[tuple[str, int, int], ...],
) -> str:
    """SHA-256 over file contents; recomputed only when the signature changes."""
    digest = hashlib.sha256()
    for name, _, _ in signature:
        digest.update(name.encode())
        with open(name, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def source_from_paths(paths: tuple[str, ...], label: str) -> Source:
    """Raises :class:`graph.errors.UnrecognizedInput` for a missing path."""
    for path in paths:
        if not Path(path).exists():
            raise UnrecognizedInput(f"{path}: no such file or folder")
    return Source(paths, _content_digest(paths, _signature(paths)), label)


def save_uploads(uploads: list[Upload]) -> Source:
    """Write uploaded exports or snapshot zips to a folder named by digest."""
    total = sum(u.size for u in uploads)
    if total > MAX_UPLOAD_BYTES:
        raise UploadTooLarge(
            f"uploads total {total / 1e6:.1f} MB; the explorer accepts at most "
            f"{MAX_UPLOAD_MB} MB. Run `crosstrust explore PATH` on the files instead."
        )
    digest = hashlib.sha256()
    contents = []
    for upload in sorted(uploads, key=lambda u: u.name):
        data = upload.getvalue()
        digest.update(upload.name.encode() + b"\0" + data)
        contents.append((_SAFE_NAME.sub("_", Path(upload.name).name) or "upload", data))
    folder = _UPLOAD_ROOT / digest.hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    for number, (name, data) in enumerate(contents):
        (folder / f"{number:03d}-{name}").write_bytes(data)
    names = ", ".join(u.name for u in uploads)
    return Source((str(folder),), digest.hexdigest()[:16], f"upload: {names}")


def source_for_uploads(uploads: list[Upload]) -> Source:
    """:func:`save_uploads` once per set of uploaded files, not once per rerun."""
    key = tuple(
        sorted((u.name, u.size, str(getattr(u, "file_id", ""))) for u in uploads)
    )
    saved: dict[tuple[tuple[str, int, str], ...], Source]
    saved = st.session_state.setdefault(keys.UPLOADED_SOURCES, {})
    if key not in saved:
        saved[key] = save_uploads(uploads)
    return saved[key]


@st.cache_resource(
    show_spinner="Loading exports and building the trust graph…",
    max_entries=4,
)
def graph_for(paths: tuple[str, ...], digest: str) -> TrustGraph:
    """The shared, never-mutated trust graph of some inputs."""
    return load_graph(*paths)


def current_source() -> Source:
    source: Source = st.session_state[keys.SOURCE]
    return source


def current_graph() -> TrustGraph:
    source = current_source()
    return graph_for(source.paths, source.digest)


@st.cache_resource(show_spinner="Running the rules…", max_entries=4)
def report_for(_graph: TrustGraph, digest: str) -> ReportDocument:
    """Shared like the graph (not copied per rerun), so never mutated."""
    return build_report(_graph)


@st.cache_data(show_spinner=False, max_entries=8)
def tiers_for(_graph: TrustGraph, digest: str) -> dict[str, str]:
    return principal_tiers(_graph)


@st.cache_data(show_spinner=False, max_entries=8)
def findings_table_for(_graph: TrustGraph, digest: str) -> pd.DataFrame:
    report = report_for(_graph, digest)
    return findings_frame(_graph, report.findings, tiers_for(_graph, digest))


@st.cache_data(show_spinner="Computing container reach…", max_entries=8)
def matrix_for(_graph: TrustGraph, digest: str) -> pd.DataFrame:
    return reach_matrix(_graph)


@st.cache_data(show_spinner=False, max_entries=8)
def principal_ids_for(_graph: TrustGraph, digest: str) -> list[str]:
    """Every non-container principal id, sorted, for the type-ahead pickers."""
    return sorted(p.node_id for p in _graph.principals() if not p.is_container)


@st.cache_data(show_spinner=False, max_entries=8)
def picker_labels_for(_graph: TrustGraph, digest: str) -> dict[str, str]:
    """Id -> what a picker shows: the id, led by the name when the id hides it."""
    labels = {}
    for principal in _graph.principals():
        name = principal.name.strip()
        node_id = principal.node_id
        hidden = name and name not in node_id
        labels[node_id] = f"{name} · {node_id}" if hidden else node_id
    return labels


@st.cache_data(show_spinner=False, max_entries=64)
def routes_html_for(
    _graph: TrustGraph,
    digest: str,
    _routes: list[Route],
    route_key: tuple[tuple[str, ...], ...],
) -> str:
    return render_routes_html(_graph, _routes)


@st.cache_data(show_spinner=False, max_entries=256)
def trust_policy_for(
    _graph: TrustGraph,
    digest: str,
    node_id: str,
) -> dict[str, Any] | None:
    return read_trust_policy(_graph.principal(node_id))


@st.cache_data(show_spinner=False, max_entries=8)
def admin_reachers_for(_graph: TrustGraph, digest: str) -> list[str]:
    """Non-admin principals with a route to admin, sorted."""
    return sorted(principals_reaching_admin(_graph))


@st.cache_data(show_spinner="Finding routes…", max_entries=128)
def routes_for(
    _graph: TrustGraph,
    digest: str,
    source: str,
    target: str,
    limit: int,
) -> list[Route]:
    """Routes from ``source`` to ``target`` (or to any admin for ``ADMIN``)."""
    if target == ADMIN:
        return routes_to_admin(_graph, source, limit=limit)
    return routes_between(_graph, source, target, limit=limit)


@st.cache_data(show_spinner=False, max_entries=256)
def neighbours_for(
    _graph: TrustGraph,
    digest: str,
    node_id: str,
) -> tuple[list[str], list[str]]:
    """Who can reach ``node_id``, and what ``node_id`` can reach."""
    return (
        sorted(who_can_reach(_graph, node_id)),
        sorted(reachable_from(_graph, node_id)),
    )


@st.cache_data(show_spinner="Finding routes…", max_entries=64)
def container_routes_for(
    _graph: TrustGraph,
    digest: str,
    source_container: str,
    target_container: str,
) -> list[Route]:
    return container_routes(_graph, source_container, target_container)
