"""The AWS collector over real HTTP against moto: files, manifest, coverage."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from crosstrust.cli import main
from graph.load import load_inputs
from tests.collectors.conftest import aim_sdk_at
from tests.collectors.seed import MANAGEMENT, OUTSIDE, SeededOrg

ORG_FILES = {
    "aws/organization/organization.json",
    "aws/organization/accounts.json",
    "aws/organization/organization-tree.json",
    "aws/organization/policies.json",
}
ACCOUNT_FILES = (
    "authorization-details.json",
    "oidc-providers.json",
    "saml-providers.json",
    "access-keys.json",
)


def collect(out: Path, *args: str) -> Result:
    argv = ["collect", "aws", "--out", str(out), "--quiet", *args]
    return CliRunner().invoke(main, argv, catch_exceptions=False)


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def manifest_of(out: Path) -> dict:
    return read(out / "manifest.json")


def gaps_of(out: Path) -> set[tuple[str, str]]:
    return {(g["scope"], g["reason"]) for g in manifest_of(out)["coverage"]}


def written(out: Path) -> set[str]:
    return {
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    }


def role_trusts(out: Path, account_id: str) -> dict[str, list[str]]:
    authz = read(out / "aws" / account_id / "authorization-details.json")
    trusts = {}
    for role in authz["RoleDetailList"]:
        statements = role["AssumeRolePolicyDocument"]["Statement"]
        trusts[role["RoleName"]] = sorted(
            arn for s in statements for arn in _as_list(s["Principal"]["AWS"])
        )
    return trusts


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


@dataclass(frozen=True, slots=True)
class Collected:
    seeded: SeededOrg
    out: Path
    exit_code: int


@pytest.fixture(scope="module")
def org_snapshot(
    shared_org: SeededOrg,
    moto_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Collected:
    """The module's organisation collected once; tests only read its files."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        aim_sdk_at(moto_url, monkeypatch)
        out = tmp_path_factory.mktemp("org") / "snap"
        result = collect(out, "--org", "--workers", "3")
    return Collected(shared_org, out, result.exit_code)


def test_org_collects_every_account_and_the_org_files(org_snapshot: Collected) -> None:
    seeded, out = org_snapshot.seeded, org_snapshot.out

    assert org_snapshot.exit_code == 0
    expected = ORG_FILES | {
        f"aws/{account}/{name}" for account in seeded.accounts for name in ACCOUNT_FILES
    }
    assert written(out) == expected
    manifest = manifest_of(out)
    assert manifest["schema"] == "crosstrust.manifest/1"
    assert set(manifest["scopes"]) == set(seeded.accounts)
    assert set(manifest["complete"]) == set(seeded.accounts)
    assert manifest["coverage"] == []
    assert manifest["caller"] == f"arn:aws:sts::{MANAGEMENT}:user/moto"
    assert not list(out.parent.glob("snap.partial-*"))


def test_org_trusts_land_in_each_accounts_authorization_details(
    org_snapshot: Collected,
) -> None:
    seeded, out = org_snapshot.seeded, org_snapshot.out

    prod, dev = seeded.members["prod"], seeded.members["dev"]
    assert role_trusts(out, prod) == {
        "OrganizationAccountAccessRole": [f"arn:aws:iam::{MANAGEMENT}:root"],
        "deploy": [f"arn:aws:iam::{MANAGEMENT}:role/ci"],
        "vendor": [f"arn:aws:iam::{OUTSIDE}:root"],
    }
    assert role_trusts(out, dev)["reader"] == [f"arn:aws:iam::{prod}:role/deploy"]
    assert role_trusts(out, MANAGEMENT) == {
        "ci": [f"arn:aws:iam::{MANAGEMENT}:user/alice"]
    }
    authz = read(out / "aws" / MANAGEMENT / "authorization-details.json")
    assert set(authz) == {
        "UserDetailList",
        "GroupDetailList",
        "RoleDetailList",
        "Policies",
    }
    alice = authz["UserDetailList"][0]
    assert alice["Tags"] == [{"Key": "team", "Value": "platform"}]


def test_org_files_hold_tree_policies_and_accounts(org_snapshot: Collected) -> None:
    seeded, out = org_snapshot.seeded, org_snapshot.out
    folder = out / "aws" / "organization"

    accounts = read(folder / "accounts.json")["Accounts"]
    assert {a["Id"] for a in accounts} == set(seeded.accounts)
    tree = read(folder / "organization-tree.json")
    (root,) = tree["Roots"]
    (unit,) = root["OrganizationalUnits"]
    assert unit["Id"] == seeded.ou_id
    assert {a["Id"] for a in unit["Accounts"]} == {
        seeded.members["prod"],
        seeded.members["dev"],
    }
    assert {a["Id"] for a in root["Accounts"]} == {
        MANAGEMENT,
        seeded.members["audit"],
    }

    policies = read(folder / "policies.json")["Policies"]
    by_name = {p["PolicySummary"]["Name"]: p for p in policies}
    assert by_name["deny-leave"]["Content"]["Statement"][0]["Effect"] == "Deny"
    assert [t["TargetId"] for t in by_name["deny-leave"]["Targets"]] == [seeded.ou_id]
    types = {name: p["PolicySummary"]["Type"] for name, p in by_name.items()}
    assert types == {
        "deny-leave": "SERVICE_CONTROL_POLICY",
        "FullAWSAccess": "SERVICE_CONTROL_POLICY",
        "RCPFullAWSAccess": "RESOURCE_CONTROL_POLICY",
    }


def test_identity_providers_and_access_keys_are_written(
    org_snapshot: Collected,
) -> None:
    seeded, out = org_snapshot.seeded, org_snapshot.out

    home = out / "aws" / MANAGEMENT
    (oidc,) = read(home / "oidc-providers.json")["OpenIDConnectProviderList"]
    assert oidc["Url"].endswith("token.actions.githubusercontent.com")
    assert oidc["ClientIDList"] == ["sts.amazonaws.com"]
    assert oidc["ThumbprintList"] == ["6938fd4d98bab03faadb97b34396831e3780aea1"]

    prod = out / "aws" / seeded.members["prod"]
    (saml,) = read(prod / "saml-providers.json")["SAMLProviderList"]
    assert saml["Arn"].endswith(":saml-provider/corp-idp")

    keys = read(home / "access-keys.json")
    assert keys["AccountId"] == MANAGEMENT
    (key,) = keys["AccessKeyMetadata"]
    assert key["AccessKeyId"] == seeded.access_key_ids[0]
    assert key["UserArn"] == f"arn:aws:iam::{MANAGEMENT}:user/alice"
    assert (key["UserName"], key["Status"], key["AgeDays"]) == ("alice", "Active", 0)


def test_load_recognises_every_file_the_collector_writes(
    org_snapshot: Collected,
) -> None:
    seeded, out = org_snapshot.seeded, org_snapshot.out

    inventory = load_inputs([out])
    assert inventory.coverage == []
    assert inventory.kinds() == {
        "aws.authz",
        "aws.org_accounts",
        "aws.organization",
        "aws.organization_tree",
        "aws.org_policies",
        "aws.oidc_providers",
        "aws.saml_providers",
        "aws.access_keys",
    }
    assert len(inventory.of_kind("aws.authz")) == len(seeded.accounts)
    assert len(inventory.manifests) == 1


def test_without_org_or_accounts_reads_the_callers_account(
    seeded: SeededOrg, tmp_path: Path
) -> None:
    out = tmp_path / "snap"
    result = collect(out)

    assert result.exit_code == 0, result.output
    assert written(out) == {f"aws/{MANAGEMENT}/{name}" for name in ACCOUNT_FILES}
    assert manifest_of(out)["scopes"] == [MANAGEMENT]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--accounts", "12345"), "not 12-digit account ids: 12345"),
        (("--workers", "0"), "Invalid value for '--workers'"),
    ],
)
def test_usage_errors_exit_2(
    seeded: SeededOrg, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = collect(tmp_path / "snap", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert list(tmp_path.iterdir()) == []


def test_no_credentials_exit_2_without_writing(
    seeded: SeededOrg, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = collect(tmp_path / "snap")

    assert result.exit_code == 2
    assert "error: sts:GetCallerIdentity: NoCredentialsError" in result.output
    assert list(tmp_path.iterdir()) == []


def test_existing_snapshot_needs_force(seeded: SeededOrg, tmp_path: Path) -> None:
    out = tmp_path / "snap"
    assert collect(out).exit_code == 0
    first = manifest_of(out)["started_at"]

    refused = collect(out)
    assert refused.exit_code == 2
    assert "folder is not empty (use --force to replace)" in refused.output
    assert manifest_of(out)["started_at"] == first

    assert collect(out, "--force").exit_code == 0
    assert manifest_of(out)["started_at"] != first
