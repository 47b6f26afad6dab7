"""The command line, collect stage: ``crosstrust collect azure``."""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

import click

from crosstrust.collect_cmd import FORCE, OUT, QUIET, quiet_sdk_loggers, run_collection

_GUID = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
    re.IGNORECASE,
)
# Wire logs print request headers, which carry bearer tokens.
_SDK_LOGGERS = ("azure", "msal", "httpx", "httpcore", "kiota_http", "urllib3")


def _tenant(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not _GUID.match(value.strip()):
        raise click.BadParameter(f"not a tenant id (GUID): {value}")
    return value.strip().lower()


def _subscription_ids(
    ctx: click.Context,
    param: click.Parameter,
    value: tuple[str, ...],
) -> tuple[str, ...]:
    ids = tuple(
        part.strip().removeprefix("/subscriptions/").lower()
        for item in value
        for part in item.split(",")
        if part.strip()
    )
    bad = [i for i in ids if not _GUID.match(i)]
    if bad:
        raise click.BadParameter(f"not subscription ids (GUIDs): {', '.join(bad)}")
    return ids


@click.command("azure")
@OUT
@click.option(
    "--tenant",
    required=True,
    callback=_tenant,
    metavar="ID",
    help="Entra tenant to read: its group tree, apps and service principals.",
)
@click.option(
    "--subscription",
    "subscriptions",
    multiple=True,
    callback=_subscription_ids,
    metavar="ID[,ID]",
    help="Read only these subscriptions (repeatable; default: every "
    "subscription of the tenant the caller can see).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 32),
    default=4,
    show_default=True,
    help="Subscriptions read at once.",
)
@click.option(
    "--max-attempts",
    type=click.IntRange(1, 11),
    default=6,
    show_default=True,
    help="Attempts per API call (throttling, server errors) before a gap.",
)
@click.option(
    "--no-directory",
    is_flag=True,
    help="Skip Microsoft Graph (apps, service principals, groups, roles).",
)
@click.option(
    "--arm-endpoint",
    default="https://management.azure.com",
    show_default=True,
    help="Resource Manager endpoint (sovereign clouds).",
)
@click.option(
    "--graph-endpoint",
    default="https://graph.microsoft.com",
    show_default=True,
    help="Microsoft Graph endpoint (sovereign clouds).",
)
@click.option(
    "--ca-bundle",
    type=click.Path(exists=True, dir_okay=False),
    help="CA bundle to verify the endpoints with (TLS-inspecting proxies).",
)
@FORCE
@QUIET
def collect_azure_command(
    out: Path,
    tenant: str,
    subscriptions: tuple[str, ...],
    workers: int,
    max_attempts: int,
    no_directory: bool,
    arm_endpoint: str,
    graph_endpoint: str,
    ca_bundle: str | None,
    force: bool,
    quiet: bool,
) -> None:
    """Read an Azure tenant's identity data into a snapshot folder.

    Signs in with DefaultAzureCredential (environment, workload identity,
    managed identity, Azure CLI, ...). Reads the management-group tree,
    subscriptions, resource groups, role assignments (inherited ones included),
    PIM-eligible roles, custom and built-in role definitions, deny assignments,
    user-assigned identities and their federated credentials, identity-bearing
    resources, and from Microsoft Graph the applications and service principals
    with owners and credential metadata (key ids and dates, never secret
    values), the members of groups that hold role assignments, and Entra
    directory-role assignments. A subscription or call that is denied is
    recorded in manifest.json and the run goes on.

    \b
    Read access needed:
      Reader at the tenant root group (or on each subscription)
      Graph: Application.Read.All, GroupMember.Read.All,
             RoleManagement.Read.Directory (or Directory.Read.All)

    Exit codes: 0 complete; 3 written with coverage gaps; 2 failed or usage.
    """
    from collectors.azure import AzureOptions, collect_azure
    from collectors.progress import Progress
    from crosstrust import __version__

    quiet_sdk_loggers(*_SDK_LOGGERS)
    options = AzureOptions(
        tenant_id=tenant,
        subscriptions=subscriptions,
        workers=workers,
        max_attempts=max_attempts,
        arm_endpoint=arm_endpoint.rstrip("/"),
        graph_endpoint=graph_endpoint.rstrip("/"),
        verify=ca_bundle or True,
        directory=not no_directory,
    )
    run_collection(
        partial(
            collect_azure,
            options,
            out,
            progress=Progress(quiet=quiet),
            replace=force,
            tool_version=__version__,
        )
    )
