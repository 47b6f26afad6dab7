"""Collect stage, Azure: run SDK calls for one scope and turn failures into gaps."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import httpx
from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.core.pipeline import PipelineResponse
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
        self.answered = 0
        self._stop = stop or threading.Event()

    def call(self, operation: str, func: Callable[[], T]) -> T | None:
        """Return ``func()``, or None after recording why it failed."""
        self.check()
        try:
            result = func()
        except SDK_ERRORS as exc:
            self.fail(operation, exc)
            return None
        self.answered += 1
        return result

    def fail(self, operation: str, exc: Exception) -> None:
        self.record(reason_for(exc), describe_error(operation, exc))

    def check(self) -> None:
        """Raise when the run was stopped, so workers end between calls."""
        if self._stop.is_set():
            raise CollectInterrupted(f"{self.scope}: stopped")

    def summary(self) -> list[CoverageGap]:
        """The gaps; one gap when no call answered and all failed alike."""
        reasons = {gap.reason for gap in self.gaps}
        if self.answered or len(self.gaps) < 2 or len(reasons) != 1:
            return list(self.gaps)
        first = self.gaps[0]
        detail = f"not read: all {len(self.gaps)} calls failed; first: {first.detail}"
        return [
            CoverageGap(
                scope=self.scope,
                reason=first.reason,
                detail=detail[:_MAX_DETAIL],
                cloud=Cloud.AZURE,
            )
        ]

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


def raw_items(start: Callable[..., Iterable[Any]]) -> list[dict[str, Any]]:
    """Every item of a paged ARM list, exactly as the pages carried it.

    The SDK follows ``nextLink`` and retries; a response hook keeps each
    page's own JSON, so fields the SDK's models do not know (preview
    properties such as ``claimsMatchingExpression``) are not lost.
    """
    pages = _PageHook()
    for _ in start(raw_response_hook=pages):
        pass
    return pages.items


def raw_object(start: Callable[..., Any]) -> dict[str, Any]:
    """The JSON body of a single-object ARM answer, as it came."""
    pages = _PageHook()
    start(raw_response_hook=pages)
    return pages.bodies[-1] if pages.bodies else {}


class PagingLoop(AzureError):
    """A service named a next page it had already served."""


class _PageHook:
    """Collects the JSON of every successful response (retried ones excluded)."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.items: list[dict[str, Any]] = []
        self.links: set[str] = set()

    def __call__(self, response: PipelineResponse[Any, Any]) -> None:
        http = response.http_response
        if http.status_code != 200:
            return
        body = json.loads(http.text() or "{}")
        if not isinstance(body, dict):
            return
        self.bodies.append(body)
        found = body.get("value")
        if isinstance(found, list):
            self.items.extend(i for i in found if isinstance(i, dict))
        link = body.get("nextLink")
        if isinstance(link, str) and link:
            if link in self.links:
                raise PagingLoop(f"next page named twice: {link[:120]}")
            self.links.add(link)
