"""Uploads: exports and snapshot zips load; unreadable or oversized ones are refused."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import pytest
from conftest import TAGGED, OpenPage

from crosstrust.explorer import data, keys

DEPLOYER = "arn:aws:iam::111111111111:role/deployer"


@dataclass
class FakeUpload:
    name: str
    payload: bytes

    @property
    def size(self) -> int:
        return len(self.payload)

    def getvalue(self) -> bytes:
        return self.payload


def _snapshot_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for export in sorted(TAGGED.glob("*.json")):
            bundle.writestr(f"aws/{export.name}", export.read_bytes())
    return buffer.getvalue()


def test_uploaded_snapshot_zip_replaces_the_inputs(open_page: OpenPage) -> None:
    app = open_page("paths", ["/nonexistent"])
    assert len(app.error) == 1

    app.sidebar.file_uploader(key=keys.UPLOAD).set_value(
        ("snapshot.zip", _snapshot_zip(), "application/zip")
    ).run()

    assert not app.exception
    assert not app.error
    assert app.selectbox(key=keys.PATHS_SOURCE).value == DEPLOYER
    assert [t.value for t in app.sidebar.text] == ["upload: snapshot.zip"]


def test_unrecognised_upload_shows_why(open_page: OpenPage) -> None:
    app = open_page("overview", [str(TAGGED)])

    app.sidebar.file_uploader(key=keys.UPLOAD).set_value(
        ("notes.json", b'{"hello": "world"}', "application/json")
    ).run()

    gaps = [d.value for d in app.dataframe if "reason" in d.value.columns]
    assert not app.exception
    assert len(app.error) == 1
    assert "Nothing in these inputs was recognised" in app.error[0].value
    assert [list(g["reason"]) for g in gaps] == [["unrecognized"]]


def test_oversized_upload_is_refused(
    open_page: OpenPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data, "MAX_UPLOAD_BYTES", 10)
    app = open_page("overview", [str(TAGGED)])

    app.sidebar.file_uploader(key=keys.UPLOAD).set_value(
        ("big.json", b"x" * 11, "application/json")
    ).run()

    assert not app.exception
    assert len(app.error) == 1
    assert "at most 200 MB" in app.error[0].value


def test_save_uploads_names_files_safely() -> None:
    source = data.save_uploads([FakeUpload("../../etc/passwd<x>.json", b"{}")])

    (folder,) = source.paths
    assert [p.name for p in sorted(data.Path(folder).iterdir())] == [
        "000-passwd_x_.json"
    ]
