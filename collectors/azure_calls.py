"""Collect stage, Azure: run SDK calls for one scope and turn failures into gaps."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

import httpx
from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)
from kiota_abstractions.api_error import APIError

from collectors import CollectInterrupted
from graph.model import Cloud, CoverageGap

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Coverage reasons written by the Azure collector (the AWS collector's words).
ACCESS_DENIED = "access-denied"
NOT_FOUND = "not-found"
THROTTLED = "throttled"
UNREACHABLE = "unreachable"
API_ERROR = "api-error"
INTERRUPTED = "interrupted"

_MAX_DETAIL = 300
# What an ARM or Graph call raises when the service (or the way to it) fails.
SDK_ERRORS = (AzureError, APIError, httpx.HTTPError, OSError)


def status_of(exc: Exception) -> int:
    """The HTTP status an SDK error carries, or 0."""
    if isinstance(exc, HttpResponseError):
        return int(exc.status_code or 0)
    if isinstance(exc, APIError):
        return int(exc.response_status_code or 0)
    return 0


def reason_for(exc: Exception) -> str:
    """Map an ARM or Microsoft Graph error to a coverage reason."""
    status = status_of(exc)
    if status in (401, 403) or isinstance(exc, ClientAuthenticationError):
        return ACCESS_DENIED
    if status == 404:
        return NOT_FOUND
    if status == 429:
        return THROTTLED
    transport = ServiceRequestError | ServiceResponseError | httpx.TransportError
    if isinstance(exc, transport | OSError):
        return UNREACHABLE
    return API_ERROR


def error_code(exc: Exception) -> str:
    """ARM's ``error.code`` (``AuthorizationFailed`` ...) or Graph's, else ``""``."""
    if isinstance(exc, HttpResponseError) and exc.error is not None:
        return str(exc.error.code or "")
    main = getattr(getattr(exc, "error", None), "code", None)
    return str(main or "")


def describe_error(operation: str, exc: Exception) -> str:
    """One line naming the operation, the status, the code and the message."""
    status = status_of(exc)
    code = error_code(exc)
    if isinstance(exc, HttpResponseError) and exc.error is not None:
        message = str(exc.error.message or "")
    else:
        message = _graph_message(exc) or _first_line(str(exc))
    label = " ".join(str(p) for p in (status or "", code) if p)
    label = label or type(exc).__name__
    return f"{operation}: {label}: {message}"[:_MAX_DETAIL]


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


def _graph_message(exc: Exception) -> str:
    error = getattr(exc, "error", None)
    return str(getattr(error, "message", "") or "")


class GapRecorder:
    """Runs the SDK calls of one scope; a failed call becomes a coverage gap."""

    def __init__(self, scope: str, stop: threading.Event | None = None) -> None:
        self.scope = scope
        self.gaps: list[CoverageGap] = []
        self._stop = stop or threading.Event()

    def call(self, operation: str, func: Callable[[], T]) -> T | None:
        """Return ``func()``, or None after recording why it failed."""
        self.check()
        try:
            return func()
        except SDK_ERRORS as exc:
            self.fail(operation, exc)
        return None

    def fail(self, operation: str, exc: Exception) -> None:
        self.record(reason_for(exc), describe_error(operation, exc))

    def check(self) -> None:
        """Raise when the run was stopped, so workers end between calls."""
        if self._stop.is_set():
            raise CollectInterrupted(f"{self.scope}: stopped")

    def record(self, reason: str, detail: str) -> None:
        logger.warning("%s: %s (%s)", self.scope, reason, detail)
        self.gaps.append(
            CoverageGap(
                scope=self.scope,
                reason=reason,
                detail=detail,
                cloud=Cloud.AZURE,
            )
        )


def native(model: Any) -> dict[str, Any]:
    """An ARM SDK model as the REST JSON it came from (wire names, read-only kept)."""
    serialize = getattr(model, "serialize", None)
    if callable(serialize):
        # Older (msrest-style) models: serialize() writes REST names.
        return plain(serialize(keep_readonly=True))
    # Newer models are mappings over the REST JSON itself.
    return plain(model.as_dict())


def plain(value: Any) -> Any:
    """Dates, UUIDs and enums turned into JSON strings, recursively."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    return value
