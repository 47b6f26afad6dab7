"""Load stage, for display: read a role's trust policy back from its export file."""

from __future__ import annotations

import json
import logging
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from graph.model import Principal

logger = logging.getLogger(__name__)


def _read_source(source_file: str) -> Any:
    """Parsed JSON of a loaded file, or of ``archive.zip!member``."""
    archive, _, member = source_file.partition("!")
    if member and archive.lower().endswith(".zip"):
        with zipfile.ZipFile(archive) as bundle:
            return json.loads(bundle.read(member).decode("utf-8-sig"))
    return json.loads(Path(source_file).read_text(encoding="utf-8-sig"))


def _as_document(value: Any) -> dict[str, Any] | None:
    """The raw API returns policies URL-encoded; the CLI returns them parsed."""
    if isinstance(value, str):
        value = json.loads(unquote(value))
    return value if isinstance(value, dict) else None


def read_trust_policy(principal: Principal) -> dict[str, Any] | None:
    """The ``AssumeRolePolicyDocument`` of an AWS role, as exported.

    Returns None when the principal is not a role read from an AWS
    authorization-details export, or when that file can no longer be read.
    """
    source_file = principal.attributes.get("source_file")
    if not isinstance(source_file, str) or not source_file:
        return None
    try:
        data = _read_source(source_file)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        logger.warning(
            "cannot read back %s for %s: %s", source_file, principal.node_id, exc
        )
        return None
    roles = data.get("RoleDetailList") if isinstance(data, dict) else None
    for role in roles or []:
        if isinstance(role, dict) and role.get("Arn") == principal.node_id:
            try:
                return _as_document(role.get("AssumeRolePolicyDocument"))
            except ValueError:
                return None
    return None
