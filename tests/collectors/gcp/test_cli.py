"""``crosstrust collect gcp``: arguments, exit codes and the summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from crosstrust.cli import main
from tests.collectors.gcp.conftest import Fakes

ORGANIZATION = "100000000001"


@pytest.fixture
def aimed(fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> Fakes:
    """The command's clients come from the fakes instead of the credential chain."""

    def clients(*, quota_project: str | None = None) -> object:
        return fakes.clients()

    monkeypatch.setattr("collectors.gcp_clients.default_clients", clients)
    return fakes


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["collect", "gcp", *args])
    return result.exit_code, result.output


def test_partial_organisation_exits_3_and_names_the_gaps(
    aimed: Fakes, tmp_path: Path
) -> None:
    out = tmp_path / "snap"
    code, output = invoke("--organization", ORGANIZATION, "--out", str(out), "-q")

    assert code == 3, output
    assert output.splitlines()[:4] == [
        f"wrote {out}: 7 scopes, 6 complete, 0 partly read, 1 not read, "
        "3 coverage gaps",
        "  gap projects/locked-vault: access-denied: iam.denypolicies.list "
        "projects/locked-vault: 403 PERMISSION_DENIED: The caller does not have "
        "permission; deny policies attached there not read; edges they block "
        "are shown",
        "  gap projects/locked-vault: access-denied: iam.serviceAccounts.list "
        "projects/locked-vault: 403 PERMISSION_DENIED: The caller does not have "
        "permission; service accounts from the failed page on not read, nor "
        "their keys and policies",
        "  gap projects/locked-vault: access-denied: iam.roles.list "
        "projects/locked-vault: 403 PERMISSION_DENIED: The caller does not have "
        "permission",
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["cloud"] == "gcp"


def test_complete_project_exits_0(aimed: Fakes, tmp_path: Path) -> None:
    aimed.use("routes-projects.json")
    out = tmp_path / "snap"
    code, output = invoke("--project", "app-dev", "--out", str(out), "-q")

    assert code == 0, output
    assert output.splitlines() == [
        f"wrote {out}: 1 scopes, 1 complete, 0 partly read, 0 not read, 0 coverage gaps"
    ]


def test_no_asset_search_reads_each_policy(aimed: Fakes, tmp_path: Path) -> None:
    aimed.use("routes-fallback.json")
    out = tmp_path / "snap"
    code, output = invoke(
        "--organization",
        ORGANIZATION,
        "--no-asset-search",
        "--workers",
        "1",
        "--out",
        str(out),
        "-q",
    )

    assert code == 3, output
    assert (
        aimed.recorded.served(f"/v1/organizations/{ORGANIZATION}:searchAllIamPolicies")
        == []
    )
    assert (out / "policies/projects-app-prod.json").is_file()
    manifest = json.loads((out / "manifest.json").read_text())
    assert {g["scope"] for g in manifest["coverage"]} == {"projects/locked-vault"}


@pytest.mark.parametrize(
    "args, message",
    [
        ((), "give --organization ID or --project ID"),
        (("--organization", "example.test"), "not a numeric organisation id"),
        (("--project", "Bad_Project"), "not project ids: Bad_Project"),
        (("--project", "ok-project,x"), "not project ids: x"),
    ],
)
def test_wrong_arguments_exit_2(
    args: tuple[str, ...], message: str, tmp_path: Path
) -> None:
    code, output = invoke(*args, "--out", str(tmp_path / "snap"))

    assert code == 2
    assert message in output
    assert not (tmp_path / "snap").exists()


def test_missing_credentials_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "none.json"))
    code, output = invoke("--project", "app-dev", "--out", str(tmp_path / "snap"))

    assert code == 2
    assert "error: no application-default credentials" in output
    assert not (tmp_path / "snap").exists()
