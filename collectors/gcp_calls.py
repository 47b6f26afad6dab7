"""Collect stage, GCP: run client calls for one scope; failures become gaps."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import proto
import requests
from google.api_core import exceptions as api
from google.api_core.retry import Retry, if_exception_type
from google.protobuf import json_format
from google.protobuf.message import Message

from collectors import CollectInterrupted
from collectors.gcp_clients import GcpClients
from collectors.snapshot import SnapshotWriter
from graph.model import Cloud, CoverageGap

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Coverage reasons written by the GCP collector (the AWS collector's words).
ACCESS_DENIED = "access-denied"
NOT_FOUND = "not-found"
THROTTLED = "throttled"
UNREACHABLE = "unreachable"
API_ERROR = "api-error"
INTERRUPTED = "interrupted"

_MAX_DETAIL = 300
# Answers worth asking again: quota, overload, a server's own failures, and
# a connection that did not get through.
_TRANSIENT = (
    requests.ConnectionError,
    api.TooManyRequests,
    api.ServiceUnavailable,
    api.InternalServerError,
    api.BadGateway,
    api.GatewayTimeout,
)


def retry_policy(timeout: float, *, initial: float = 1.0) -> Retry:
    """Exponential back-off on transient answers, for at most ``timeout`` s."""
    return Retry(
        predicate=if_exception_type(*_TRANSIENT),
        initial=initial,
        maximum=max(initial, 32.0),
        multiplier=2.0,
        timeout=timeout,
    )


def reason_for(exc: Exception) -> str:
    """Map a client error to a coverage reason."""
    if isinstance(exc, api.RetryError):
        cause = exc.cause
        return reason_for(cause) if isinstance(cause, Exception) else THROTTLED
    if isinstance(exc, api.Forbidden | api.Unauthorized):
        return ACCESS_DENIED
    if isinstance(exc, api.NotFound):
        return NOT_FOUND
    if isinstance(exc, api.TooManyRequests):
        return THROTTLED
    if isinstance(exc, api.ServiceUnavailable | requests.ConnectionError):
        return UNREACHABLE
    return API_ERROR


def describe_error(operation: str, exc: Exception) -> str:
    """One line naming the operation, the status and the service's message."""
    if isinstance(exc, api.RetryError):
        text = f"{operation}: gave up retrying: {exc.cause or exc}"
    elif isinstance(exc, api.GoogleAPICallError):
        status = _status(exc)
        code = int(exc.code) if exc.code is not None else 0
        label = " ".join(str(p) for p in (code or "", status) if p)
        text = f"{operation}: {label or type(exc).__name__}: {_message(exc)}"
    else:
        text = f"{operation}: {type(exc).__name__}: {exc}"
    return text[:_MAX_DETAIL]


def _status(exc: api.GoogleAPICallError) -> str:
    # gRPC errors carry the status name; REST errors carry it in their body.
    if exc.grpc_status_code is not None:
        return str(exc.grpc_status_code.name)
    response = getattr(exc, "response", None)
    try:
        return str(response.json()["error"]["status"])  # type: ignore[union-attr]
    except (AttributeError, KeyError, TypeError, ValueError):
        return ""


def _message(exc: api.GoogleAPICallError) -> str:
    # REST errors open with the request line, which adds nothing to a gap.
    message = str(exc.message)
    if message.startswith(("GET ", "POST ")) and ": " in message:
        message = message.split(": ", 1)[1]
    return message


class GapRecorder:
    """Runs the client calls of one scope; a failed call becomes a coverage gap."""

    def __init__(self, scope: str, stop: threading.Event) -> None:
        self.scope = scope
        self.gaps: list[CoverageGap] = []
        self.succeeded = 0
        self._stop = stop

    def call(
        self,
        operation: str,
        func: Callable[[], T],
        *,
        effect: str = "",
    ) -> T | None:
        """Return ``func()``, or None after recording why it failed.

        ``effect`` says what the failure leaves out, when the operation's
        name does not make it plain.
        """
        if self._stop.is_set():
            raise CollectInterrupted(f"{self.scope}: stopped before {operation}")
        try:
            result = func()
        except (api.GoogleAPIError, requests.RequestException) as exc:
            detail = describe_error(operation, exc)
            if effect:
                detail = f"{detail[: _MAX_DETAIL - len(effect) - 2]}; {effect}"
            self.record(reason_for(exc), detail)
            return None
        self.succeeded += 1
        return result

    def record(self, reason: str, detail: str) -> None:
        logger.warning("%s: %s (%s)", self.scope, reason, detail)
        gap = CoverageGap(
            scope=self.scope, reason=reason, detail=detail, cloud=Cloud.GCP
        )
        self.gaps.append(gap)


@dataclass(slots=True)
class GcpRun:
    """What every reader of one collection shares."""

    clients: GcpClients
    writer: SnapshotWriter
    retry: Retry
    timeout: float
    stop: threading.Event = field(default_factory=threading.Event)

    def recorder(self, scope: str) -> GapRecorder:
        return GapRecorder(scope, self.stop)

    @property
    def call_options(self) -> dict[str, Any]:
        """Keyword arguments every client method takes: retry and timeout."""
        return {"retry": self.retry, "timeout": self.timeout}


def message_json(message: Any, *, field_names: bool = False) -> dict[str, Any]:
    """A client message as the REST API writes it (camelCase, enum names).

    ``field_names`` keeps proto field names (snake_case), the shape of
    ``gcloud asset export`` files.
    """
    if isinstance(message, proto.Message):
        data = type(message).to_dict(
            message,
            use_integers_for_enums=False,
            preserving_proto_field_name=field_names,
            always_print_fields_with_no_presence=False,
        )
    elif isinstance(message, Message):
        data = json_format.MessageToDict(
            message,
            preserving_proto_field_name=field_names,
        )
    else:
        raise TypeError(f"not a protobuf message: {type(message).__name__}")
    return dict(data)
