"""Collect stage, AWS: run SDK calls for one scope and turn failures into gaps."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from botocore.parsers import ResponseParserError

from collectors import CollectInterrupted
from graph.model import Cloud, CoverageGap

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Coverage reasons written by the AWS collector (a closed vocabulary).
ACCESS_DENIED = "access-denied"
THROTTLED = "throttled"
ROLE_NOT_ASSUMABLE = "role-not-assumable"
ACCOUNT_SUSPENDED = "account-suspended"
NOT_IN_ORGANIZATION = "not-in-organization"
UNREACHABLE = "unreachable"
API_ERROR = "api-error"
MALFORMED = "malformed"
INTERRUPTED = "interrupted"
COLLECTOR_FAULT = "collector-fault"

_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnauthorizedAccess",
        "AuthorizationError",
        "InvalidClientTokenId",
        "ExpiredToken",
    }
)
_THROTTLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "SlowDown",
    }
)
_MAX_DETAIL = 300


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "Unknown"))


def reason_for(exc: ClientError) -> str:
    """Map an SDK error code to a coverage reason."""
    code = error_code(exc)
    if code in _DENIED_CODES:
        return ACCESS_DENIED
    if code in _THROTTLE_CODES:
        return THROTTLED
    if code == "AWSOrganizationsNotInUseException":
        return NOT_IN_ORGANIZATION
    return API_ERROR


def describe_error(operation: str, exc: Exception) -> str:
    """One line naming the operation and the SDK's code and message."""
    if isinstance(exc, ClientError):
        message = exc.response.get("Error", {}).get("Message", "")
        text = f"{operation}: {error_code(exc)}: {message}"
    else:
        text = f"{operation}: {type(exc).__name__}: {exc}"
    return text[:_MAX_DETAIL]


class GapRecorder:
    """Runs the SDK calls of one scope; a failed call becomes a coverage gap."""

    def __init__(self, scope: str, stop: threading.Event) -> None:
        self.scope = scope
        self.gaps: list[CoverageGap] = []
        self._stop = stop

    def call(self, operation: str, func: Callable[[], T]) -> T | None:
        """Return ``func()``, or None after recording why it failed."""
        if self._stop.is_set():
            raise CollectInterrupted(f"{self.scope}: stopped before {operation}")
        try:
            return func()
        except ClientError as exc:
            self.record(reason_for(exc), describe_error(operation, exc))
        except (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError) as exc:
            self.record(UNREACHABLE, describe_error(operation, exc))
        except (BotoCoreError, ResponseParserError) as exc:
            # A server fault the SDK cannot parse is a gap, not a crash.
            self.record(API_ERROR, describe_error(operation, exc))
        return None

    def record(self, reason: str, detail: str) -> None:
        logger.warning("%s: %s (%s)", self.scope, reason, detail)
        gap = CoverageGap(
            scope=self.scope, reason=reason, detail=detail, cloud=Cloud.AWS
        )
        self.gaps.append(gap)


def paginate(client: Any, method: str, key: str, **kwargs: Any) -> list[Any]:
    """Every item of ``key`` across all pages of a paginated call."""
    items: list[Any] = []
    for page in client.get_paginator(method).paginate(**kwargs):
        items.extend(page.get(key) or [])
    return items
