"""The command line, collect stage: ``crosstrust collect <cloud> --out DIR``.

Each cloud is one subcommand of the ``collect`` group; they share the exit
codes and the summary printed at the end. A cloud's command takes the shared
``OUT``, ``FORCE`` and ``QUIET`` options and hands its collector, which returns
a :class:`~collectors.snapshot.CollectResult`, to :func:`run_collection`.
"""

from __future__ import annotations

import logging
import re
import signal
import sys
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import NoReturn

import click

from collectors import CollectError
from collectors.snapshot import CollectResult

EXIT_COMPLETE = 0
EXIT_FAILED = 2
EXIT_PARTIAL = 3

_ACCOUNT_ID = re.compile(r"^\d{12}$")
# SDK debug logs print request headers, which carry session tokens.
_SDK_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer")

OUT = click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Snapshot folder to create (written as DIR.partial-<pid> until done).",
)
FORCE = click.option(
    "--force",
    is_flag=True,
    help="Replace DIR if it already holds a snapshot.",
)
QUIET = click.option("-q", "--quiet", is_flag=True, help="No progress bars.")


@click.group()
def collect() -> None:
    """Read a cloud's identity data into a snapshot folder.

    The folder holds the clouds' own JSON shapes plus manifest.json, which
    names every scope that could not be read fully and why. Nothing is
    written to DIR until the run ends: work goes to DIR.partial-<pid>, which
    an interrupted run leaves behind (its manifest records the interruption).

    Exit codes: 0 every scope read fully; 3 snapshot written with coverage
    gaps; 2 the run failed, was interrupted, or was called wrongly.
    """


def quiet_sdk_loggers(*names: str) -> None:
    """Keep SDK wire logs (headers with tokens) out of -vv output."""
    for name in (*_SDK_LOGGERS, *names):
        logging.getLogger(name).setLevel(logging.WARNING)


def run_collection(collect_snapshot: Callable[[], CollectResult]) -> NoReturn:
    """Run one cloud's collector, print the summary, exit with its code.

    SIGTERM (a scheduler's timeout) is handled like Ctrl-C, so the partial
    folder gets a manifest that records the interruption.
    """
    on_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if on_main else None
    try:
        result = collect_snapshot()
    except KeyboardInterrupt:
        click.echo("error: interrupted", err=True)
        sys.exit(EXIT_FAILED)
    except CollectError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    finally:
        if on_main:
            signal.signal(signal.SIGTERM, previous)
    finish(result)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def finish(result: CollectResult) -> NoReturn:
    """Print the summary line and exit with the code the coverage calls for."""
    manifest = result.manifest
    click.echo(
        f"wrote {result.path}: {len(manifest.scopes)} scopes, "
        f"{len(manifest.complete)} complete, {len(result.partly)} partly read, "
        f"{len(result.unread)} not read, {len(manifest.coverage)} coverage gaps",
        err=True,
    )
    for gap in manifest.coverage:
        line = f"  gap {gap.scope}: {gap.reason}: {gap.detail}"
        click.echo(_printable(line), err=True)
    sys.exit(EXIT_PARTIAL if manifest.coverage else EXIT_COMPLETE)


def _printable(text: str) -> str:
    """Cloud-supplied text must not drive the terminal (escape sequences)."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _account_ids(
    ctx: click.Context,
    param: click.Parameter,
    value: str | None,
) -> tuple[str, ...]:
    ids = tuple(part.strip() for part in (value or "").split(",") if part.strip())
    bad = [i for i in ids if not _ACCOUNT_ID.match(i)]
    if bad:
        raise click.BadParameter(f"not 12-digit account ids: {', '.join(bad)}")
    return ids


@collect.command("aws")
@OUT
@click.option("--profile", help="Named profile (default: the credential chain).")
@click.option(
    "--org",
    is_flag=True,
    help="Read the organisation (from its management or delegated admin "
    "account) and every active account in it.",
)
@click.option(
    "--accounts",
    callback=_account_ids,
    metavar="ID,ID",
    help="Read only these accounts (with --org: the org files too).",
)
@click.option(
    "--role-name",
    default="OrganizationAccountAccessRole",
    show_default=True,
    help="Audit role assumed in each account other than the caller's.",
)
@click.option(
    "--external-id",
    envvar="CROSSTRUST_EXTERNAL_ID",
    help="sts:ExternalId for the audit role (env CROSSTRUST_EXTERNAL_ID).",
)
@click.option(
    "--session-name",
    default="crosstrust-collect",
    show_default=True,
    help="Role session name (shows in CloudTrail).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Accounts read at once.",
)
@click.option(
    "--max-attempts",
    type=click.IntRange(1, 50),
    default=10,
    show_default=True,
    help="Attempts per API call (adaptive retry) before a gap is recorded.",
)
@click.option("--region", help="Region for STS (default: profile's, else us-east-1).")
@FORCE
@QUIET
def collect_aws_command(
    out: Path,
    profile: str | None,
    org: bool,
    accounts: tuple[str, ...],
    role_name: str,
    external_id: str | None,
    session_name: str,
    workers: int,
    max_attempts: int,
    region: str | None,
    force: bool,
    quiet: bool,
) -> None:
    """Read AWS IAM (and the organisation) into a snapshot folder.

    Without --org or --accounts, reads the caller's own account. Per account:
    authorization details (all pages, all filters), OIDC and SAML providers,
    access key metadata with age and last use (never secrets). With --org:
    the account list, the OU tree, and SCPs and RCPs with their targets.
    Accounts whose audit role cannot be assumed, calls denied or throttled
    past --max-attempts are recorded in manifest.json, never skipped silently.

    Exit codes: 0 complete; 3 written with coverage gaps; 2 failed or usage.
    """
    from collectors.aws import AwsOptions, collect_aws
    from collectors.progress import Progress
    from crosstrust import __version__

    quiet_sdk_loggers()
    options = AwsOptions(
        profile=profile,
        org=org,
        accounts=accounts,
        role_name=role_name,
        external_id=external_id,
        session_name=session_name,
        workers=workers,
        max_attempts=max_attempts,
        region=region,
    )
    run_collection(
        partial(
            collect_aws,
            options,
            out,
            progress=Progress(quiet=quiet),
            replace=force,
            tool_version=__version__,
        )
    )
