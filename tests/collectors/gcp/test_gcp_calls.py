"""Client errors become coverage reasons; v3 projects take gcloud's shape."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests
from google.api_core import exceptions as api

from collectors import CollectInterrupted
from collectors.gcp_calls import GapRecorder, describe_error, reason_for
from collectors.gcp_hierarchy import project_json
from collectors.gcp_project import key_json


@pytest.mark.parametrize(
    "error, reason",
    [
        (api.PermissionDenied("no"), "access-denied"),
        (api.Forbidden("no"), "access-denied"),
        (api.Unauthenticated("expired"), "access-denied"),
        (api.NotFound("gone"), "not-found"),
        (api.ResourceExhausted("quota"), "throttled"),
        (api.TooManyRequests("quota"), "throttled"),
        (api.ServiceUnavailable("down"), "unreachable"),
        (requests.ConnectionError("refused"), "unreachable"),
        (api.InternalServerError("oops"), "api-error"),
        (api.RetryError("gave up", api.TooManyRequests("quota")), "throttled"),
        (api.RetryError("gave up", api.ServiceUnavailable("down")), "unreachable"),
    ],
)
def test_reason_for(error: Exception, reason: str) -> None:
    assert reason_for(error) == reason


def test_describe_error_names_operation_status_and_message() -> None:
    error = api.PermissionDenied("The caller does not have permission")
    assert describe_error("iam.roles.list projects/p", error) == (
        "iam.roles.list projects/p: 403 PERMISSION_DENIED: "
        "The caller does not have permission"
    )


def test_recorder_turns_failures_into_gaps_and_counts_successes() -> None:
    recorder = GapRecorder("projects/p", threading.Event())

    def denied() -> None:
        raise api.Forbidden("POST http://h/v3/projects/p:getIamPolicy: no access")

    assert recorder.call("projects.get projects/p", lambda: "ok") == "ok"
    assert recorder.call("projects.getIamPolicy projects/p", denied) is None
    assert recorder.succeeded == 1
    assert [(g.scope, g.reason, g.detail) for g in recorder.gaps] == [
        (
            "projects/p",
            "access-denied",
            "projects.getIamPolicy projects/p: 403: no access",
        )
    ]


def test_recorder_stops_when_told() -> None:
    stop = threading.Event()
    stop.set()
    with pytest.raises(CollectInterrupted, match="projects/p: stopped before x"):
        GapRecorder("projects/p", stop).call("x", lambda: None)


@pytest.mark.parametrize(
    "project, expected",
    [
        (
            {
                "name": "projects/42",
                "projectId": "p-one",
                "parent": "folders/7",
                "state": "ACTIVE",
                "displayName": "One",
                "etag": "W/x",
            },
            {
                "projectId": "p-one",
                "projectNumber": "42",
                "name": "One",
                "lifecycleState": "ACTIVE",
                "parent": {"type": "folder", "id": "7"},
            },
        ),
        (
            {"name": "projects/43", "projectId": "p-two", "state": "ACTIVE"},
            {
                "projectId": "p-two",
                "projectNumber": "43",
                "name": "",
                "lifecycleState": "ACTIVE",
            },
        ),
    ],
)
def test_project_json(project: dict[str, Any], expected: dict[str, Any]) -> None:
    assert project_json(project) == expected


def test_key_json_drops_key_material() -> None:
    key = {
        "name": "projects/p/serviceAccounts/a@p.iam.gserviceaccount.com/keys/k1",
        "keyType": "USER_MANAGED",
        "privateKeyData": "c2VjcmV0",
        "privateKeyType": "TYPE_GOOGLE_CREDENTIALS_FILE",
        "publicKeyData": "cHVibGlj",
    }
    assert key_json(key) == {"name": key["name"], "keyType": "USER_MANAGED"}
