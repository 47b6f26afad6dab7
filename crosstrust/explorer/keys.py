"""Render stage, interactive: session-state and widget keys of the explorer."""

# Environment variables the ``crosstrust explore`` command sets for app.py.
ENV_INPUTS = "CROSSTRUST_INPUTS"
ENV_HISTORY = "CROSSTRUST_HISTORY"
ENV_START_PAGE = "CROSSTRUST_START_PAGE"

# Sidebar: where the graph comes from.
UPLOAD = "source.upload"

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

# Session state: the current graph's Source (paths, digest, label).
SOURCE = "source.current"
