"""Collect stage, AWS: read an organisation's accounts into one snapshot folder."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.loaders import Loader, create_loader
from botocore.parsers import ResponseParserError

from collectors import CollectError, CollectInterrupted
from collectors.aws_account import collect_account
from collectors.aws_calls import (
    ACCOUNT_SUSPENDED,
    COLLECTOR_FAULT,
    INTERRUPTED,
    ROLE_NOT_ASSUMABLE,
    THROTTLED,
    GapRecorder,
    describe_error,
    reason_for,
)
from collectors.aws_org import collect_organization
from collectors.progress import Progress
from collectors.snapshot import CollectResult, SnapshotWriter
from graph.model import Cloud, CoverageGap, Manifest

logger = logging.getLogger(__name__)

DEFAULT_ROLE = "OrganizationAccountAccessRole"
DEFAULT_SESSION_NAME = "crosstrust-collect"
DEFAULT_REGION = "us-east-1"
# Users whose access keys one account reads at once (IAM throttles per account).
USER_WORKERS = 4


@dataclass(frozen=True, slots=True)
class AwsOptions:
    """Where to read from and how; ``accounts`` empty means the org or the caller."""

    profile: str | None = None
    org: bool = False
    accounts: tuple[str, ...] = ()
    role_name: str = DEFAULT_ROLE
    external_id: str | None = field(default=None, repr=False)
    session_name: str = DEFAULT_SESSION_NAME
    workers: int = 4
    max_attempts: int = 10
    region: str | None = None


@dataclass(slots=True)
class _Run:
    """What every account worker shares."""

    options: AwsOptions
    config: Config
    writer: SnapshotWriter
    caller_account: str
    partition: str
    sts: Any
    now: datetime
    loader: Loader
    stop: threading.Event = field(default_factory=threading.Event)


def collect_aws(
    options: AwsOptions,
    out: Path,
    *,
    progress: Progress | None = None,
    replace: bool = False,
    tool_version: str = "",
) -> CollectResult:
    """Read the chosen accounts into ``out``; the folder appears only when done.

    Raises
    ------
    CollectError
        No credentials, or ``out`` cannot be written.
    CollectInterrupted
        Ctrl-C: the partial folder is kept, with a manifest saying so.
    """
    progress = progress or Progress(enabled=False)
    now = datetime.now(UTC)
    config = Config(
        retries={"mode": "adaptive", "total_max_attempts": options.max_attempts},
        user_agent_extra=f"crosstrust/{tool_version}",
    )
    loader = create_loader()
    base = _session(options, loader)
    caller_arn, caller_account = _identify(base, config)
    logger.info("collecting as %s", caller_arn)

    writer = SnapshotWriter(out, replace=replace)
    run = _Run(
        options=options,
        config=config,
        writer=writer,
        caller_account=caller_account,
        partition=caller_arn.split(":")[1],
        sts=base.client("sts", config=config),
        now=now,
        loader=loader,
    )
    ledger = _Ledger(tool_version, now, caller_arn)
    try:
        targets, skipped = _targets(run, base, ledger.gaps, progress)
        ledger.scopes.extend([*targets, *skipped])
        ledger.gaps.extend(_read_accounts(run, targets, progress))
    except (KeyboardInterrupt, CollectInterrupted):
        run.stop.set()
        ledger.gaps.append(STOPPED)
        path = writer.abandon(ledger.manifest())
        raise CollectInterrupted(
            f"interrupted; partial snapshot left in {path}"
        ) from None

    partly, unread = ledger.classify(writer.files)
    manifest = ledger.manifest()
    path = writer.commit(manifest)
    logger.info("wrote %s: %d accounts complete", path, len(manifest.complete))
    return CollectResult(path, manifest, partly, unread)


STOPPED = CoverageGap(
    scope="snapshot",
    reason=INTERRUPTED,
    detail="collection stopped before it finished; accounts may be missing",
    cloud=Cloud.AWS,
)


@dataclass(slots=True)
class _Ledger:
    """What the run learned so far: scopes, gaps, and which scopes are whole."""

    tool_version: str
    started: datetime
    caller_arn: str
    scopes: list[str] = field(default_factory=list)
    gaps: list[CoverageGap] = field(default_factory=list)
    complete: list[str] = field(default_factory=list)

    def classify(self, files: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Sort scopes into complete, partly read and not read (returned)."""
        partly, unread = [], []
        read = {name.split("/")[1] for name in files if name.startswith("aws/")}
        for account_id in self.scopes:
            if account_id not in read:
                unread.append(account_id)
            elif any(g.scope == account_id for g in self.gaps):
                partly.append(account_id)
            else:
                self.complete.append(account_id)
        return tuple(partly), tuple(unread)

    def manifest(self) -> Manifest:
        return Manifest(
            tool_version=self.tool_version,
            started_at=self.started.isoformat(),
            finished_at=datetime.now(UTC).isoformat(),
            cloud=Cloud.AWS,
            caller=self.caller_arn,
            scopes=tuple(self.scopes),
            complete=tuple(self.complete),
            coverage=tuple(self.gaps),
        )


def _session(
    options: AwsOptions,
    loader: Loader,
    **credentials: str,
) -> boto3.Session:
    """A new session (one per thread) sharing the parsed service models."""
    core = botocore.session.get_session()
    core.register_component("data_loader", loader)
    try:
        return boto3.Session(
            botocore_session=core,
            profile_name=None if credentials else options.profile,
            region_name=options.region or None,
            **credentials,
        )
    except BotoCoreError as exc:
        raise CollectError(f"profile {options.profile!r}: {exc}") from exc


def _identify(session: boto3.Session, config: Config) -> tuple[str, str]:
    """The caller's ARN and account id; no credentials is a hard failure."""
    try:
        sts = session.client("sts", region_name=_region(session), config=config)
        identity = sts.get_caller_identity()
    except (BotoCoreError, ClientError) as exc:
        raise CollectError(describe_error("sts:GetCallerIdentity", exc)) from exc
    return identity["Arn"], identity["Account"]


def _region(session: boto3.Session) -> str:
    return session.region_name or DEFAULT_REGION


def _targets(
    run: _Run,
    base: boto3.Session,
    gaps: list[CoverageGap],
    progress: Progress,
) -> tuple[list[str], list[str]]:
    """Accounts to read (listed, else the organisation's, else the caller's),
    and accounts seen but not to be read (suspended or closing)."""
    options = run.options
    listed = list(dict.fromkeys(options.accounts))
    if not options.org:
        return listed or [run.caller_account], []

    recorder = GapRecorder("organization", run.stop)
    client = base.client("organizations", region_name=_region(base), config=run.config)
    with progress.phase("organization", total=4) as bar:
        accounts = collect_organization(client, run.writer, recorder, bar)
    gaps.extend(recorder.gaps)
    if listed:
        return listed, []
    if accounts is None:
        logger.warning("organisation unread; collecting the caller's account only")
        return [run.caller_account], []

    targets, skipped = [], []
    for account in accounts:
        state = account.get("State") or account.get("Status") or "ACTIVE"
        if state == "ACTIVE":
            targets.append(account["Id"])
            continue
        skipped.append(account["Id"])
        detail = f"account is {state}; not read"
        gaps.append(CoverageGap(account["Id"], ACCOUNT_SUSPENDED, detail, Cloud.AWS))
    return targets, skipped


def _read_accounts(
    run: _Run,
    account_ids: list[str],
    progress: Progress,
) -> list[CoverageGap]:
    """Read accounts in parallel; return the gaps they met, in account order."""
    outcomes: dict[str, list[CoverageGap]] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, run.options.workers))
    try:
        with progress.phase("accounts", total=len(account_ids)) as bar:
            futures: dict[Future[list[CoverageGap]], str] = {
                pool.submit(_read_account, run, account_id): account_id
                for account_id in account_ids
            }
            for future in as_completed(futures):
                account_id = futures[future]
                outcomes[account_id] = _outcome(future, account_id)
                bar.advance()
    except BaseException:
        run.stop.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return [gap for account_id in account_ids for gap in outcomes[account_id]]


def _outcome(future: Future[list[CoverageGap]], account_id: str) -> list[CoverageGap]:
    """The account's gaps; a fault in the collector itself becomes one more gap,
    so one account's surprise neither stops the run nor drops the account."""
    try:
        return future.result()
    except CollectInterrupted:
        raise
    except Exception as exc:  # the worker boundary catches every fault
        logger.warning("account %s: collector fault", account_id, exc_info=True)
        detail = f"collector fault: {type(exc).__name__}: {exc}"[:300]
        return [CoverageGap(account_id, COLLECTOR_FAULT, detail, Cloud.AWS)]


def _read_account(run: _Run, account_id: str) -> list[CoverageGap]:
    recorder = GapRecorder(account_id, run.stop)
    session = _account_session(run, account_id, recorder)
    if session is None:
        return recorder.gaps
    iam = session.client("iam", region_name=_region(session), config=run.config)
    collect_account(
        account_id,
        iam,
        run.writer,
        recorder,
        now=run.now,
        workers=USER_WORKERS,
    )
    return recorder.gaps


def _assume_reason(exc: Exception) -> str:
    """Throttling says nothing about the role; anything else means unusable."""
    if isinstance(exc, ClientError) and reason_for(exc) == THROTTLED:
        return THROTTLED
    return ROLE_NOT_ASSUMABLE


def _account_session(
    run: _Run,
    account_id: str,
    recorder: GapRecorder,
) -> boto3.Session | None:
    """The caller's own session at home; the audit role everywhere else."""
    options = run.options
    if account_id == run.caller_account:
        return _session(options, run.loader)

    role_arn = f"arn:{run.partition}:iam::{account_id}:role/{options.role_name}"
    request: dict[str, Any] = {
        "RoleArn": role_arn,
        "RoleSessionName": options.session_name,
    }
    if options.external_id:
        request["ExternalId"] = options.external_id
    try:
        credentials = run.sts.assume_role(**request)["Credentials"]
    except (ClientError, BotoCoreError, ResponseParserError) as exc:
        recorder.record(
            _assume_reason(exc),
            "account not read: " + describe_error(f"sts:AssumeRole {role_arn}", exc),
        )
        return None
    # TODO: assumed-role credentials are not refreshed — an account read taking
    # over an hour fails its late calls, which are recorded as gaps.
    return _session(
        options,
        run.loader,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
