"""The GCP collector against recorded API responses: files, pages, coverage."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from collectors import CollectError, CollectInterrupted
from collectors.snapshot import partial_name
from tests.collectors.gcp.conftest import (
    CALLER,
    ORGANIZATION,
    TOKEN,
    Collect,
    Fakes,
)
from tests.collectors.gcp.fakes import Route

ORG = f"organizations/{ORGANIZATION}"
LOCKED = "projects/locked-vault"
DEPLOYER = "deployer@ops-ci.iam.gserviceaccount.com"
DENIED = "403 PERMISSION_DENIED: The caller does not have permission"

SHARED_FILES = {
    "manifest.json",
    "hierarchy/organization.json",
    "hierarchy/folders.json",
    "hierarchy/projects.json",
    "asset/workload-identity.organizations-100000000001.json",
    "projects/ops-ci/service-accounts.json",
    "projects/ops-ci/service-account-keys.json",
    "projects/app-prod/service-accounts.json",
    "projects/app-dev/service-accounts.json",
    "projects/app-dev/service-account-keys.json",
    "roles/projects-app-dev.json",
    "deny/projects-app-dev.json",
}
LOCKED_GAPS = [
    (
        LOCKED,
        "access-denied",
        f"iam.denypolicies.list {LOCKED}: {DENIED}; "
        "deny policies attached there not read; edges they block are shown",
    ),
    (
        LOCKED,
        "access-denied",
        f"iam.serviceAccounts.list {LOCKED}: {DENIED}; "
        "service accounts from the failed page on not read, nor their keys and "
        "policies",
    ),
    (LOCKED, "access-denied", f"iam.roles.list {LOCKED}: {DENIED}"),
]


def files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def read(root: Path, relative: str) -> Any:
    return json.loads((root / relative).read_text())


def gaps(manifest: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(g["scope"], g["reason"], g["detail"]) for g in manifest["coverage"]]


def test_organization_with_asset_search(collect: Collect, tmp_path: Path) -> None:
    result = collect(organization=ORGANIZATION)
    snap = tmp_path / "snap"

    assert result.path == snap
    assert files(snap) == SHARED_FILES | {
        "asset/iam-policies.organizations-100000000001.json"
    }
    manifest = read(snap, "manifest.json")
    assert manifest["cloud"] == "gcp"
    assert manifest["caller"] == CALLER
    assert manifest["scopes"] == [
        ORG,
        "folders/200000000001",
        "folders/200000000002",
        "projects/app-dev",
        "projects/ops-ci",
        "projects/app-prod",
        LOCKED,
    ]
    assert manifest["complete"] == manifest["scopes"][:-1]
    assert gaps(manifest) == LOCKED_GAPS
    assert (result.partly, result.unread) == ((), (LOCKED,))


def test_every_page_is_read(collect: Collect, fakes: Fakes, tmp_path: Path) -> None:
    collect(organization=ORGANIZATION)
    snap = tmp_path / "snap"

    projects = read(snap, "hierarchy/projects.json")
    assert [p["projectId"] for p in projects] == [
        "app-dev",
        "ops-ci",
        "app-prod",
        "locked-vault",
    ]
    accounts = read(snap, "projects/app-prod/service-accounts.json")
    assert [a["email"] for a in accounts] == [
        "runner@app-prod.iam.gserviceaccount.com",
        "batch@app-prod.iam.gserviceaccount.com",
    ]
    search = read(snap, "asset/iam-policies.organizations-100000000001.json")
    assert len(search) == 7

    tokens = [
        (params.get("pageToken", ""), params["pageSize"])
        for params in fakes.recorded.served(f"/v1/{ORG}:searchAllIamPolicies")
    ]
    assert tokens == [("", "500"), ("policies-2", "500")]
    teams = [
        params.get("pageToken", "")
        for params in fakes.recorded.served("/v3/projects")
        if params["parent"] == "folders/200000000002"
    ]
    assert teams == ["", "teams-2"]


def test_files_keep_the_shapes_gcloud_writes(collect: Collect, tmp_path: Path) -> None:
    collect(organization=ORGANIZATION)
    snap = tmp_path / "snap"

    assert read(snap, "hierarchy/projects.json")[2] == {
        "projectId": "app-prod",
        "projectNumber": "300000000002",
        "name": "App Prod",
        "lifecycleState": "ACTIVE",
        "createTime": "2021-03-04T05:06:07Z",
        "labels": {"env": "prod"},
        "parent": {"type": "folder", "id": "200000000002"},
    }
    assert read(snap, "hierarchy/folders.json")[1] == {
        "name": "folders/200000000002",
        "parent": "folders/200000000001",
        "displayName": "teams",
        "state": "ACTIVE",
    }
    keys = read(snap, "projects/ops-ci/service-account-keys.json")
    assert [(k["keyType"], k["validAfterTime"]) for k in keys] == [
        ("USER_MANAGED", "2024-01-15T08:00:00Z"),
        ("SYSTEM_MANAGED", "2026-11-28T00:00:00Z"),
    ]
    providers = read(snap, "asset/workload-identity.organizations-100000000001.json")
    assert [(a["asset_type"], sorted(a["resource"]["data"])) for a in providers] == [
        ("iam.googleapis.com/WorkloadIdentityPool", ["displayName", "name", "state"]),
        (
            "iam.googleapis.com/WorkloadIdentityPoolProvider",
            [
                "attributeCondition",
                "attributeMapping",
                "displayName",
                "name",
                "oidc",
                "state",
            ],
        ),
    ]
    roles = read(snap, "roles/projects-app-dev.json")
    assert roles[0]["includedPermissions"] == [
        "iam.serviceAccountKeys.create",
        "iam.serviceAccounts.list",
    ]


def test_denied_asset_search_falls_back_to_each_resource(
    collect: Collect, fakes: Fakes, tmp_path: Path
) -> None:
    fakes.use("routes-fallback.json")
    result = collect(organization=ORGANIZATION)
    snap = tmp_path / "snap"

    assert files(snap) == SHARED_FILES | {
        "policies/organizations-100000000001.json",
        "policies/folders-200000000001.json",
        "policies/folders-200000000002.json",
        "policies/projects-ops-ci.json",
        "policies/projects-app-prod.json",
        "policies/projects-app-dev.json",
        "projects/ops-ci/service-account-policies/"
        "deployer@ops-ci.iam.gserviceaccount.com.json",
        "projects/app-prod/service-account-policies/"
        "runner@app-prod.iam.gserviceaccount.com.json",
        "projects/app-prod/service-account-policies/"
        "batch@app-prod.iam.gserviceaccount.com.json",
        "projects/app-dev/service-account-policies/"
        "dev-ci@app-dev.iam.gserviceaccount.com.json",
    }
    assert read(snap, "policies/projects-app-prod.json") == {
        "resource": "//cloudresourcemanager.googleapis.com/projects/app-prod",
        "policy": read(Path(__file__).parent / "recorded", "policy.app-prod.json"),
    }
    # Every policy is asked for at version 3, so conditions come back.
    bodies = [
        json.loads(params["body"])
        for method, _, params in fakes.recorded.requests
        if method == "POST"
    ]
    assert len(bodies) == 7
    assert all(b["options"] == {"requestedPolicyVersion": 3} for b in bodies)
    versions = {
        params["version"]
        for _, path, params in fakes.recorded.requests
        if path == "GetIamPolicy"
    }
    assert versions == {"3"}
    wrapped = read(
        snap,
        f"projects/ops-ci/service-account-policies/{DEPLOYER}.json",
    )
    assert wrapped["resource"] == (
        f"//iam.googleapis.com/projects/ops-ci/serviceAccounts/{DEPLOYER}"
    )
    assert gaps(read(snap, "manifest.json")) == [
        (
            ORG,
            "access-denied",
            f"cloudasset.searchAllIamPolicies {ORG}: 403 PERMISSION_DENIED: The "
            "caller does not have permission; allow policies read per container "
            "and service account instead; policies on other resources are not read",
        ),
        (
            LOCKED,
            "access-denied",
            f"projects.getIamPolicy {LOCKED}: {DENIED}",
        ),
        *LOCKED_GAPS,
    ]
    assert (result.partly, result.unread) == ((ORG,), (LOCKED,))


def test_unlistable_folder_hides_what_is_below_it(
    collect: Collect, fakes: Fakes, tmp_path: Path
) -> None:
    platform = "folders/200000000001"
    for path in ("/v3/folders", "/v3/projects"):
        fakes.recorded.add(Route("GET", path, "denied.json", {"parent": platform}))
    result = collect(organization=ORGANIZATION)

    manifest = read(tmp_path / "snap", "manifest.json")
    assert manifest["scopes"] == [ORG, platform, "projects/app-dev"]
    assert gaps(manifest) == [
        (
            platform,
            "access-denied",
            f"folders.list {platform}: {DENIED}; folders below it not read",
        ),
        (
            platform,
            "access-denied",
            f"projects.list {platform}: {DENIED}; projects directly below it not read",
        ),
    ]
    assert (result.partly, result.unread) == ((platform,), ())


def test_projects_named_on_their_own(
    collect: Collect, fakes: Fakes, tmp_path: Path
) -> None:
    fakes.use("routes-projects.json")
    result = collect(projects=("app-dev", "locked-vault"))
    snap = tmp_path / "snap"

    assert files(snap) == {
        "manifest.json",
        "projects/app-dev/project.json",
        "asset/iam-policies.projects-app-dev.json",
        "projects/app-dev/service-accounts.json",
        "projects/app-dev/service-account-keys.json",
        "roles/projects-app-dev.json",
        "deny/projects-app-dev.json",
    }
    manifest = read(snap, "manifest.json")
    assert manifest["scopes"] == ["projects/app-dev", LOCKED]
    assert manifest["complete"] == ["projects/app-dev"]
    assert [(g[0], g[1], g[2].split(":")[0]) for g in gaps(manifest)] == [
        (LOCKED, "access-denied", f"projects.get {LOCKED}"),
        (LOCKED, "access-denied", f"cloudasset.searchAllIamPolicies {LOCKED}"),
        (
            LOCKED,
            "access-denied",
            f"cloudasset.assets.list {LOCKED} (workload identity pools)",
        ),
        (LOCKED, "access-denied", f"projects.getIamPolicy {LOCKED}"),
        (LOCKED, "access-denied", f"iam.denypolicies.list {LOCKED}"),
        (LOCKED, "access-denied", f"iam.serviceAccounts.list {LOCKED}"),
        (LOCKED, "access-denied", f"iam.roles.list {LOCKED}"),
    ]
    assert (result.partly, result.unread) == ((), (LOCKED,))


def test_accounts_before_a_failed_page_are_kept(
    collect: Collect, fakes: Fakes, tmp_path: Path
) -> None:
    second_page = {"name": "projects/app-prod", "page_token": "accounts-2"}
    fakes.recorded.add(Route("RPC", "ListServiceAccounts", "denied.json", second_page))
    result = collect(organization=ORGANIZATION)

    accounts = read(tmp_path / "snap", "projects/app-prod/service-accounts.json")
    assert [a["email"] for a in accounts] == ["runner@app-prod.iam.gserviceaccount.com"]
    prod = [g for g in result.manifest.coverage if g.scope == "projects/app-prod"]
    assert [(g.reason, g.detail) for g in prod] == [
        (
            "access-denied",
            f"iam.serviceAccounts.list projects/app-prod: {DENIED}; service "
            "accounts from the failed page on not read, nor their keys and policies",
        )
    ]


def test_throttled_call_is_retried(collect: Collect, fakes: Fakes) -> None:
    throttled = Route(
        "RPC",
        "ListServiceAccounts",
        "throttled.json",
        {"name": "projects/ops-ci"},
        times=2,
    )
    fakes.recorded.add(throttled)
    result = collect(organization=ORGANIZATION)

    calls = [
        params
        for method, path, params in fakes.recorded.requests
        if path == "ListServiceAccounts" and params["name"] == "projects/ops-ci"
    ]
    assert len(calls) == 3
    assert "projects/ops-ci" in result.manifest.complete


def test_throttling_past_the_retry_budget_is_a_gap(
    collect: Collect, fakes: Fakes
) -> None:
    throttled = Route(
        "RPC", "ListServiceAccounts", "throttled.json", {"name": "projects/ops-ci"}
    )
    fakes.recorded.add(throttled)
    result = collect(organization=ORGANIZATION, retry_timeout=0.3)

    ops = [g for g in result.manifest.coverage if g.scope == "projects/ops-ci"]
    assert [(g.reason, g.detail.split(":")[0]) for g in ops] == [
        ("throttled", "iam.serviceAccounts.list projects/ops-ci"),
    ]
    assert result.partly == ("projects/ops-ci",)


def test_unreachable_api_is_a_gap_of_every_call(collect: Collect, fakes: Fakes) -> None:
    fakes.rest.stop()
    fakes.iam.stop()
    result = collect(organization=ORGANIZATION, retry_timeout=0.3)

    assert result.manifest.scopes == (ORG,)
    assert result.unread == (ORG,)
    operations = [(g.reason, g.detail.split(":")[0]) for g in result.manifest.coverage]
    assert operations == [
        ("unreachable", f"organizations.get {ORG}"),
        ("unreachable", f"folders.list {ORG}"),
        ("unreachable", f"projects.list {ORG}"),
        ("unreachable", f"cloudasset.searchAllIamPolicies {ORG}"),
        ("unreachable", f"cloudasset.assets.list {ORG} (workload identity pools)"),
        ("unreachable", f"iam.roles.list {ORG}"),
        ("unreachable", f"organizations.getIamPolicy {ORG}"),
        ("unreachable", f"iam.denypolicies.list {ORG}"),
    ]


def test_key_material_and_tokens_never_reach_disk_or_logs(
    collect: Collect, fakes: Fakes, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    collect(organization=ORGANIZATION)
    snap = tmp_path / "snap"

    # The token was sent; the recorded dev-ci key listing carries publicKeyData.
    assert fakes.recorded.authorizations == {f"Bearer {TOKEN}"}
    text = "".join(p.read_text() for p in snap.rglob("*.json"))
    for secret in ("privateKeyData", "publicKeyData", "LS0tLS1CRUdJTi", TOKEN):
        assert secret not in text
        assert secret not in caplog.text


def test_interrupt_leaves_a_partial_folder(
    collect: Collect, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("collectors.gcp.collect_project", interrupt)
    with pytest.raises(CollectInterrupted, match="partial snapshot left in"):
        collect(organization=ORGANIZATION, workers=1)

    partial = partial_name(tmp_path / "snap")
    assert not (tmp_path / "snap").exists()
    manifest = read(partial, "manifest.json")
    assert gaps(manifest)[-1][:2] == ("snapshot", "interrupted")
    assert "hierarchy/projects.json" in files(partial)


def test_nothing_to_read_is_an_error(collect: Collect) -> None:
    with pytest.raises(CollectError, match="organisation or at least one project"):
        collect()
