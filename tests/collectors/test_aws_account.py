"""One account's reads over recorded responses: pages moto does not produce."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.parsers import ResponseParserError
from botocore.stub import ANY, Stubber

from collectors.aws_account import AUTHZ_FILTERS, collect_account
from collectors.aws_calls import GapRecorder
from collectors.snapshot import SnapshotWriter

RECORDED = Path(__file__).parent / "recorded"
ACCOUNT = "210987654321"
NOW = datetime(2026, 12, 3, tzinfo=UTC)
OIDC_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"


def recorded(name: str) -> dict[str, Any]:
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


@pytest.fixture
def iam() -> Any:
    return boto3.client(
        "iam",
        region_name="us-east-1",
        aws_access_key_id="AKIASTUBBED000000000",
        aws_secret_access_key="stubbed",
    )


def stub_account(stubber: Stubber, *, oidc_detail_denied: bool = False) -> None:
    """The calls of one account, in the order the collector makes them."""
    stubber.add_response(
        "get_account_authorization_details",
        recorded("authz-page-1.json"),
        {"Filter": AUTHZ_FILTERS},
    )
    stubber.add_response(
        "get_account_authorization_details",
        recorded("authz-page-2.json"),
        {"Filter": AUTHZ_FILTERS, "Marker": "page-2"},
    )
    stubber.add_response(
        "list_open_id_connect_providers",
        {"OpenIDConnectProviderList": [{"Arn": OIDC_ARN}]},
    )
    if oidc_detail_denied:
        stubber.add_client_error(
            "get_open_id_connect_provider",
            service_error_code="AccessDenied",
            service_message="not allowed",
        )
    else:
        stubber.add_response(
            "get_open_id_connect_provider",
            {
                "Url": "token.actions.githubusercontent.com",
                "ClientIDList": ["sts.amazonaws.com"],
                "ThumbprintList": ["6938fd4d98bab03faadb97b34396831e3780aea1"],
                "Tags": [{"Key": "owner", "Value": "ci"}],
            },
            {"OpenIDConnectProviderArn": OIDC_ARN},
        )
    stubber.add_response("list_saml_providers", {"SAMLProviderList": []})
    stubber.add_response(
        "list_access_keys",
        recorded("access-keys-page-1.json"),
        {"UserName": "bob"},
    )
    stubber.add_response(
        "list_access_keys",
        recorded("access-keys-page-2.json"),
        {"UserName": "bob", "Marker": "keys-2"},
    )
    stubber.add_response(
        "get_access_key_last_used",
        {
            "UserName": "bob",
            "AccessKeyLastUsed": {
                "LastUsedDate": "2026-12-01T10:00:00Z",
                "ServiceName": "s3",
                "Region": "eu-west-1",
            },
        },
        {"AccessKeyId": "AKIAEXAMPLEBOBKEY001"},
    )
    stubber.add_response(
        "get_access_key_last_used",
        {
            "UserName": "bob",
            "AccessKeyLastUsed": {"ServiceName": "N/A", "Region": "N/A"},
        },
        {"AccessKeyId": ANY},
    )


def run_account(iam: Any, tmp_path: Path, **stubs: bool) -> tuple[Path, GapRecorder]:
    writer = SnapshotWriter(tmp_path / "snap")
    recorder = GapRecorder(ACCOUNT, threading.Event())
    with Stubber(iam) as stubber:
        stub_account(stubber, **stubs)
        collect_account(ACCOUNT, iam, writer, recorder, now=NOW)
        stubber.assert_no_pending_responses()
    return writer.temp / "aws" / ACCOUNT, recorder


def read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_authorization_detail_pages_are_merged_with_every_list(
    iam: Any, tmp_path: Path
) -> None:
    folder, recorder = run_account(iam, tmp_path)

    authz = read(folder / "authorization-details.json")
    assert recorder.gaps == []
    assert [r["RoleName"] for r in authz["RoleDetailList"]] == ["deploy", "lambda-exec"]
    assert [u["UserName"] for u in authz["UserDetailList"]] == ["bob"]
    assert [g["GroupName"] for g in authz["GroupDetailList"]] == ["admins"]
    assert [p["PolicyName"] for p in authz["Policies"]] == ["boundary"]
    assert "IsTruncated" not in authz and "Marker" not in authz


def test_fields_moto_omits_are_kept_as_recorded(iam: Any, tmp_path: Path) -> None:
    folder, _ = run_account(iam, tmp_path)
    authz = read(folder / "authorization-details.json")

    bob = authz["UserDetailList"][0]
    assert bob["PermissionsBoundary"]["PermissionsBoundaryArn"].endswith("/boundary")
    deploy = authz["RoleDetailList"][0]
    assert deploy["RoleLastUsed"]["LastUsedDate"] == "2026-11-20T08:15:00Z"
    assert deploy["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "AWS": "arn:aws:iam::123456789012:role/ci"
    }
    policy = authz["Policies"][0]
    assert (policy["PolicyName"], policy["PolicyId"]) == (
        "boundary",
        "ANPAEXAMPLEBOUNDARY1",
    )
    document = policy["PolicyVersionList"][0]["Document"]
    assert document["Statement"][0]["Action"] == "s3:*"


def test_access_key_pages_carry_age_and_last_use(iam: Any, tmp_path: Path) -> None:
    folder, _ = run_account(iam, tmp_path)
    keys = read(folder / "access-keys.json")

    assert keys["AccountId"] == ACCOUNT
    assert keys["AccessKeyMetadata"] == [
        {
            "UserName": "bob",
            "UserArn": f"arn:aws:iam::{ACCOUNT}:user/bob",
            "AccessKeyId": "AKIAEXAMPLEBOBKEY001",
            "Status": "Active",
            "CreateDate": "2025-12-03T00:00:00Z",
            "AgeDays": 365,
            "LastUsedDate": "2026-12-01T10:00:00Z",
            "LastUsedServiceName": "s3",
            "LastUsedRegion": "eu-west-1",
        },
        {
            "UserName": "bob",
            "UserArn": f"arn:aws:iam::{ACCOUNT}:user/bob",
            "AccessKeyId": "AKIAEXAMPLEBOBKEY002",
            "Status": "Inactive",
            "CreateDate": "2026-11-03T00:00:00Z",
            "AgeDays": 30,
        },
    ]


def test_oidc_provider_detail_is_merged_into_the_list(iam: Any, tmp_path: Path) -> None:
    folder, _ = run_account(iam, tmp_path)

    assert read(folder / "oidc-providers.json") == {
        "OpenIDConnectProviderList": [
            {
                "Arn": OIDC_ARN,
                "Url": "token.actions.githubusercontent.com",
                "ClientIDList": ["sts.amazonaws.com"],
                "ThumbprintList": ["6938fd4d98bab03faadb97b34396831e3780aea1"],
                "Tags": [{"Key": "owner", "Value": "ci"}],
            }
        ]
    }


def test_denied_provider_detail_keeps_the_arn_and_records_a_gap(
    iam: Any, tmp_path: Path
) -> None:
    folder, recorder = run_account(iam, tmp_path, oidc_detail_denied=True)

    assert read(folder / "oidc-providers.json") == {
        "OpenIDConnectProviderList": [{"Arn": OIDC_ARN}]
    }
    assert [(g.scope, g.reason) for g in recorder.gaps] == [(ACCOUNT, "access-denied")]
    assert recorder.gaps[0].detail.startswith(
        f"iam:GetOpenIDConnectProvider {OIDC_ARN}: AccessDenied"
    )


def test_unparseable_server_fault_is_a_gap_not_a_crash(tmp_path: Path) -> None:
    recorder = GapRecorder(ACCOUNT, threading.Event())

    def fault() -> None:
        raise ResponseParserError("Unable to parse response: <html>500</html>")

    assert recorder.call("iam:ListSAMLProviders", fault) is None
    assert [(g.scope, g.reason) for g in recorder.gaps] == [(ACCOUNT, "api-error")]
