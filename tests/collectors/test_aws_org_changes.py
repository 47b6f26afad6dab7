"""The AWS collector on organisations that change, or are missing."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from tests.collectors.seed import MANAGEMENT, SeededOrg, seed_org
from tests.collectors.test_aws import collect, gaps_of, manifest_of


@pytest.fixture
def fresh_org(moto: str) -> SeededOrg:
    """A newly seeded organisation, for tests that change it."""
    return seed_org()


def test_suspended_account_is_listed_as_not_read(
    fresh_org: SeededOrg, tmp_path: Path
) -> None:
    audit = fresh_org.members["audit"]
    boto3.client("organizations").close_account(AccountId=audit)
    out = tmp_path / "snap"
    result = collect(out, "--org")

    assert result.exit_code == 3, result.output
    assert gaps_of(out) == {(audit, "account-suspended")}
    assert audit in manifest_of(out)["scopes"]
    assert not (out / "aws" / audit).exists()
    assert "1 not read" in result.output


def test_org_flag_outside_any_organisation_reads_the_callers_account(
    moto: str, tmp_path: Path
) -> None:
    boto3.client("iam").create_user(UserName="solo")
    out = tmp_path / "snap"
    result = collect(out, "--org")

    assert result.exit_code == 3, result.output
    assert gaps_of(out) == {("organization", "not-in-organization")}
    assert manifest_of(out)["scopes"] == [MANAGEMENT]
    assert manifest_of(out)["complete"] == [MANAGEMENT]
    assert not (out / "aws" / "organization").exists()
