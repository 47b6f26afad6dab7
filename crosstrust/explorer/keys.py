"""Render stage, interactive: the explorer's state keys, page names and limits.

Shared by the app and the ``explore`` command, so it imports no Streamlit.
"""

from pathlib import Path

# Page url paths, in menu order; ``crosstrust explore --page`` takes one.
PAGE_NAMES = ("overview", "findings", "paths", "principal", "accounts")
MAX_UPLOAD_MB = 200
SAMPLE_DATA = Path(__file__).resolve().parents[2] / "sample_data"

# Environment variables the ``crosstrust explore`` command sets for app.py.
ENV_INPUTS = "CROSSTRUST_INPUTS"
ENV_HISTORY = "CROSSTRUST_HISTORY"
ENV_START_PAGE = "CROSSTRUST_START_PAGE"

# Sidebar: where the graph comes from.
UPLOAD = "source.upload"
# Session state: Sources already saved for each set of uploaded files.
UPLOADED_SOURCES = "source.uploaded"

# Findings page.
FINDINGS_CLOUD = "findings.cloud"
FINDINGS_CONTAINER = "findings.container"
FINDINGS_SEVERITY = "findings.severity"
FINDINGS_RULE = "findings.rule"
FINDINGS_TIER = "findings.tier"
FINDINGS_TABLE = "findings.table"

# Paths page.
PATHS_SOURCE = "paths.source"
PATHS_TARGET = "paths.target"
PATHS_LIMIT = "paths.limit"

# Principal page.
PRINCIPAL = "principal.id"

# Accounts page.
ACCOUNTS_SOURCE = "accounts.source"
ACCOUNTS_TARGET = "accounts.target"
ACCOUNTS_MATRIX = "accounts.matrix"
ACCOUNTS_CELL = "accounts.cell"

# Session state: the current graph's Source (paths, digest, label).
SOURCE = "source.current"
