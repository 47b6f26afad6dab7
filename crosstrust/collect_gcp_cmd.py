"""The command line, collect stage: ``crosstrust collect gcp``."""

from __future__ import annotations

import re
from pathlib import Path

import click

from collectors.snapshot import CollectResult
from crosstrust.collect_cmd import (
    FORCE,
    OUT,
    QUIET,
    quiet_sdk_loggers,
    run_collection,
)

_ORGANIZATION_ID = re.compile(r"^\d{1,20}$")
_PROJECT_ID = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
# Client wire logs print request headers, which carry bearer tokens.
_SDK_LOGGERS = ("google.auth", "google.api_core", "grpc")


def _organization(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    bare = (value or "").strip().removeprefix("organizations/")
    if bare and not _ORGANIZATION_ID.match(bare):
        raise click.BadParameter(f"not a numeric organisation id: {value}")
    return bare


def _project_ids(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    ids = tuple(
        part.strip().removeprefix("projects/")
        for item in value
        for part in item.split(",")
        if part.strip()
    )
    bad = [i for i in ids if not _PROJECT_ID.match(i)]
    if bad:
        raise click.BadParameter(f"not project ids: {', '.join(bad)}")
    return ids


@click.command("gcp")
@OUT
@click.option(
    "--organization",
    callback=_organization,
    metavar="ID",
    help="Read this organisation: its folders, every project under it, and "
    "all allow policies (one asset search, else per resource).",
)
@click.option(
    "--project",
    "projects",
    multiple=True,
    callback=_project_ids,
    metavar="ID[,ID]",
    help="Read these projects (repeatable; with --organization: only these "
    "projects, plus the organisation's own files).",
)
@click.option(
    "--no-asset-search",
    is_flag=True,
    help="Skip the Cloud Asset policy search; read policies per resource.",
)
@click.option(
    "--quota-project",
    help="Project billed for API quota (for user credentials).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Projects read at once.",
)
@click.option(
    "--retry-timeout",
    type=click.FloatRange(1, 3600),
    default=120.0,
    show_default=True,
    help="Seconds to keep retrying a throttled or failing call before a gap "
    "is recorded.",
)
@FORCE
@QUIET
def collect_gcp_command(
    out: Path,
    organization: str,
    projects: tuple[str, ...],
    no_asset_search: bool,
    quota_project: str | None,
    workers: int,
    retry_timeout: float,
    force: bool,
    quiet: bool,
) -> None:
    """Read GCP IAM (organisation, folders, projects) into a snapshot folder.

    Uses application-default credentials. Writes the hierarchy, allow
    policies (Cloud Asset search results, or gcloud-style policies wrapped
    with their resource), service accounts, their key metadata (never key
    material), custom roles, deny policies and workload identity pools.
    Scopes that deny a call are recorded in manifest.json, never skipped
    silently.

    Permissions used: resourcemanager organizations/folders/projects get,
    list and getIamPolicy; cloudasset.assets.searchAllIamPolicies and
    listResource; iam.serviceAccounts list and getIamPolicy;
    iam.serviceAccountKeys.list; iam.roles.list; iam.denypolicies get and
    list.

    Exit codes: 0 complete; 3 written with coverage gaps; 2 failed or usage.
    """
    if not organization and not projects:
        raise click.UsageError("give --organization ID or --project ID")
    from collectors.gcp import GcpOptions, collect_gcp
    from collectors.gcp_clients import default_clients
    from collectors.progress import Progress
    from crosstrust import __version__

    quiet_sdk_loggers(*_SDK_LOGGERS)
    options = GcpOptions(
        organization=organization,
        projects=projects,
        workers=workers,
        retry_timeout=retry_timeout,
        asset_search=not no_asset_search,
    )

    def collect_snapshot() -> CollectResult:
        # Credentials are found inside, so their absence exits like any failure.
        return collect_gcp(
            options,
            out,
            clients=default_clients(quota_project=quota_project),
            progress=Progress(quiet=quiet),
            replace=force,
            tool_version=__version__,
        )

    run_collection(collect_snapshot)
