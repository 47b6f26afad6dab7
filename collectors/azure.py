"""Collect stage, Azure: read a tenant's scopes, grants and identities to a folder."""

from __future__ import annotations

import base64
import json
import logging
import shutil
import threading
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from azure.core.credentials import AccessToken, AccessTokenInfo, TokenCredential
from azure.core.exceptions import ClientAuthenticationError

from collectors import CollectError, CollectInterrupted
from collectors.azure_arm import (
    AboveSubscriptions,
    ArmClients,
    GroupTree,
    read_built_in_roles,
    read_group_assignments,
    read_management_groups,
    read_subscription,
    read_subscriptions,
)
from collectors.azure_calls import INTERRUPTED, NOT_FOUND, UNREACHABLE, GapRecorder
from collectors.azure_graph import GraphSettings, read_directory, read_groups
from collectors.progress import Progress
from collectors.snapshot import CollectResult, SnapshotWriter
from graph.model import Cloud, CoverageGap, Manifest

logger = logging.getLogger(__name__)

ARM_ENDPOINT = "https://management.azure.com"
GRAPH_ENDPOINT = "https://graph.microsoft.com"


@dataclass(frozen=True, slots=True)
class AzureOptions:
    """What to read and how; ``subscriptions`` empty means every visible one."""

    tenant_id: str
    subscriptions: tuple[str, ...] = ()
    workers: int = 4
    max_attempts: int = 6
    backoff: float = 0.8
    arm_endpoint: str = ARM_ENDPOINT
    graph_endpoint: str = GRAPH_ENDPOINT
    verify: str | bool = True
    directory: bool = True


def default_credential(tenant_id: str) -> TokenCredential:
    """The usual chain (environment, workload identity, managed identity, CLI...),
    asked for tokens of ``tenant_id`` whatever tenant it signs in to by default."""
    from azure.identity import DefaultAzureCredential

    chain = DefaultAzureCredential(additionally_allowed_tenants=[tenant_id])
    return TenantCredential(chain, tenant_id)


class TenantCredential:
    """Asks the credential it wraps for tokens of one tenant, the one collected."""

    def __init__(self, inner: Any, tenant_id: str) -> None:
        self.inner = inner
        self.tenant_id = tenant_id

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        kwargs.setdefault("tenant_id", self.tenant_id)
        token: AccessToken = self.inner.get_token(*scopes, **kwargs)
        return token

    def get_token_info(
        self,
        *scopes: str,
        options: dict[str, Any] | None = None,
    ) -> AccessTokenInfo:
        wanted = {**(options or {}), "tenant_id": self.tenant_id}
        info: AccessTokenInfo = self.inner.get_token_info(*scopes, options=wanted)
        return info


def collect_azure(
    options: AzureOptions,
    out: Path,
    *,
    credential: TokenCredential | None = None,
    progress: Progress | None = None,
    replace: bool = False,
    tool_version: str = "",
) -> CollectResult:
    """Read the tenant and its subscriptions into ``out``, committed when done.

    Raises
    ------
    CollectError
        No usable credential, or ``out`` cannot be written.
    CollectInterrupted
        Ctrl-C: the partial folder is kept, with a manifest saying so.
    """
    progress = progress or Progress(enabled=False)
    tenant_id = options.tenant_id.lower()
    credential = credential or default_credential(tenant_id)
    caller = _identify(credential, options.arm_endpoint)
    logger.info("collecting tenant %s as %s", tenant_id, caller or "(unnamed)")

    writer = SnapshotWriter(out, replace=replace)
    ledger = _Ledger(tool_version, datetime.now(UTC), caller, tenant_id)
    stop = threading.Event()
    arm = ArmClients(
        credential,
        options.arm_endpoint,
        verify=options.verify,
        max_attempts=options.max_attempts,
        backoff=options.backoff,
        user_agent=f"crosstrust/{tool_version}",
    )
    try:
        _collect(options, credential, arm, writer, ledger, stop, progress)
    except (KeyboardInterrupt, CollectInterrupted):
        stop.set()
        ledger.gaps.append(_stopped())
        path = writer.abandon(ledger.manifest())
        raise CollectInterrupted(
            f"interrupted; partial snapshot left in {path}"
        ) from None
    except CollectError:
        # Nothing could be read: no folder is left that looks like a result.
        shutil.rmtree(writer.temp, ignore_errors=True)
        raise

    partly, unread = ledger.classify(writer.files)
    manifest = ledger.manifest()
    path = writer.commit(manifest)
    logger.info("wrote %s: %d scopes complete", path, len(manifest.complete))
    return CollectResult(path, manifest, partly, unread)


def _collect(
    options: AzureOptions,
    credential: TokenCredential,
    arm: ArmClients,
    writer: SnapshotWriter,
    ledger: _Ledger,
    stop: threading.Event,
    progress: Progress,
) -> None:
    """Tree and directory first (tenant scope), then subscriptions in parallel."""
    tenant = GapRecorder(ledger.tenant_scope, stop)
    above = AboveSubscriptions()
    graph = GraphSettings(
        credential,
        options.graph_endpoint,
        verify=options.verify,
        max_attempts=options.max_attempts,
        delay=options.backoff,
    )
    with progress.phase("tenant", total=4 if options.directory else 3) as bar:
        tree = read_management_groups(arm, ledger.tenant_id, writer, tenant)
        bar.advance()
        listed = read_subscriptions(arm, ledger.tenant_id, writer, tenant)
        bar.advance()
        targets, unseen = _targets(options, listed, tree)
        read_group_assignments(arm, tree.groups, tenant, above)
        read_built_in_roles(arm, targets, writer, tenant)
        bar.advance()
        if options.directory:
            read_directory(graph, writer, tenant)
            bar.advance()
    _check_reachable(tenant, options)
    ledger.scopes.extend(f"/subscriptions/{s}" for s in targets)
    ledger.scopes.extend(gap.scope for gap in unseen)
    ledger.gaps.extend([*tenant.gaps, *unseen])

    ledger.gaps.extend(
        _read_subscriptions(
            arm,
            targets,
            writer,
            above,
            stop,
            progress,
            workers=options.workers,
        )
    )
    above.write(writer)

    # Members of the groups that grants name, once every grant is known.
    if options.directory:
        members = GapRecorder(ledger.tenant_scope, stop)
        with progress.phase("groups", total=1) as bar:
            read_groups(graph, sorted(above.groups), writer, members)
            bar.advance()
        ledger.gaps.extend(members.gaps)


def _check_reachable(tenant: GapRecorder, options: AzureOptions) -> None:
    """No tenant call answered, each for want of a connection: a failed run."""
    if tenant.answered or not tenant.gaps:
        return
    if all(gap.reason == UNREACHABLE for gap in tenant.gaps):
        raise CollectError(
            f"cannot reach {options.arm_endpoint}: {tenant.gaps[0].detail}"
        )


def _targets(
    options: AzureOptions,
    listed: list[dict[str, Any]] | None,
    tree: GroupTree,
) -> tuple[list[str], list[CoverageGap]]:
    """Subscriptions to read (named, else all listed), and named ones not visible."""
    visible = [str(s.get("subscriptionId", "")).lower() for s in listed or []]
    if listed is None:
        # The list was denied: fall back on what the group tree names.
        visible = list(tree.subscriptions)
    named = list(dict.fromkeys(s.lower() for s in options.subscriptions))
    if not named:
        return list(dict.fromkeys(visible)), []
    if listed is None:
        return named, []
    missing = [s for s in named if s not in visible]
    gaps = [
        CoverageGap(
            scope=f"/subscriptions/{s}",
            reason=NOT_FOUND,
            detail="not read: the caller sees no such subscription in this tenant",
            cloud=Cloud.AZURE,
        )
        for s in missing
    ]
    return [s for s in named if s in visible], gaps


def _read_subscriptions(
    arm: ArmClients,
    subscription_ids: list[str],
    writer: SnapshotWriter,
    above: AboveSubscriptions,
    stop: threading.Event,
    progress: Progress,
    *,
    workers: int,
) -> list[CoverageGap]:
    """Read subscriptions in parallel; return their gaps in subscription order."""
    outcomes: dict[str, list[CoverageGap]] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    try:
        with progress.phase("subscriptions", total=len(subscription_ids)) as bar:
            futures: dict[Future[list[CoverageGap]], str] = {}
            for subscription_id in subscription_ids:
                recorder = GapRecorder(f"/subscriptions/{subscription_id}", stop)
                future = pool.submit(
                    _read_one,
                    arm,
                    subscription_id,
                    writer,
                    recorder,
                    above,
                )
                futures[future] = subscription_id
            for future in as_completed(futures):
                outcomes[futures[future]] = future.result()
                bar.advance()
    except BaseException:
        stop.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return [gap for s in subscription_ids for gap in outcomes[s]]


def _read_one(
    arm: ArmClients,
    subscription_id: str,
    writer: SnapshotWriter,
    recorder: GapRecorder,
    above: AboveSubscriptions,
) -> list[CoverageGap]:
    read_subscription(arm, subscription_id, writer, recorder, above)
    return recorder.summary()


def _identify(credential: TokenCredential, arm_endpoint: str) -> str:
    """Get an ARM token up front; no credential is a failed run, not a gap."""
    scope = f"{arm_endpoint.rstrip('/')}/.default"
    try:
        token = credential.get_token(scope).token
    except ClientAuthenticationError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CollectError(f"no usable Azure credential: {first}") from exc
    return _caller_of(token)


def _caller_of(token: str) -> str:
    """Who the token names (upn, app id or object id); never the token itself."""
    parts = token.split(".")
    if len(parts) != 3:
        return ""
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, json.JSONDecodeError):
        return ""
    if not isinstance(claims, dict):
        return ""
    for key in ("upn", "unique_name", "appid", "oid"):
        if claims.get(key):
            return str(claims[key])
    return ""


def _stopped() -> CoverageGap:
    return CoverageGap(
        scope="snapshot",
        reason=INTERRUPTED,
        detail="collection stopped before it finished; subscriptions may be missing",
        cloud=Cloud.AZURE,
    )


@dataclass(slots=True)
class _Ledger:
    """What the run learned so far: scopes, gaps, and which scopes are whole."""

    tool_version: str
    started: datetime
    caller: str
    tenant_id: str
    scopes: list[str] = field(default_factory=list)
    gaps: list[CoverageGap] = field(default_factory=list)
    complete: list[str] = field(default_factory=list)

    @property
    def tenant_scope(self) -> str:
        return f"/tenants/{self.tenant_id}"

    def classify(self, files: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Sort scopes into complete, partly read and not read (returned)."""
        partly, unread = [], []
        read = {
            "/subscriptions/" + name.split("/")[2]
            for name in files
            if name.startswith("azure/subscriptions/")
        }
        if any(name.startswith("azure/tenant/") for name in files):
            read.add(self.tenant_scope)
        for scope in [self.tenant_scope, *self.scopes]:
            gapped = any(g.scope == scope for g in self.gaps)
            if scope not in read and gapped:
                unread.append(scope)
            elif gapped:
                partly.append(scope)
            else:
                self.complete.append(scope)
        return tuple(partly), tuple(unread)

    def manifest(self) -> Manifest:
        return Manifest(
            tool_version=self.tool_version,
            started_at=self.started.isoformat(),
            finished_at=datetime.now(UTC).isoformat(),
            cloud=Cloud.AZURE,
            caller=self.caller,
            scopes=(self.tenant_scope, *self.scopes),
            complete=tuple(self.complete),
            coverage=tuple(self.gaps),
        )
