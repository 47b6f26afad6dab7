"""The Azure collector against the fake ARM + Graph server: files, pages, gaps."""

from __future__ import annotations

import base64
import json
import logging
import socket
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError

import collectors.azure
from collectors import CollectError, CollectInterrupted
from collectors.azure import AzureOptions, TenantCredential, collect_azure
from collectors.snapshot import CollectResult
from graph.build import build_graph
from graph.load import load_inputs
from tests.collectors.azure.conftest import (
    DEV,
    PROD,
    SANDBOX,
    TENANT,
    options_for,
)
from tests.collectors.azure.fake_azure import (
    RECORDED,
    TOKEN,
    FakeAzure,
    FakeCredential,
    Route,
)

MG_PLATFORM_OWNER = (
    "/providers/Microsoft.Management/managementGroups/platform/providers/"
    "Microsoft.Authorization/roleAssignments/e0000000-0000-4000-8000-000000000001"
)
PLATFORM = "/providers/Microsoft.Management/managementGroups/platform"
OPS_TEAM = "9a000000-0000-4000-8000-000000000001"
# Secret values served by the fake Graph: none may reach a file or a log.
SERVED_SECRETS = (
    TOKEN,
    "crosstrust-test-client-secret-never-written",
    "Zq8",
    "Y3Jvc3N0cnVzdC10ZXN0LWNlcnRpZmljYXRlLWJvZHk=",
)


def collect(
    server: FakeAzure,
    certificate: tuple[Path, Path],
    out: Path,
    **changes: Any,
) -> CollectResult:
    return collect_azure(
        options_for(server, certificate, **changes),
        out,
        credential=FakeCredential(),
        tool_version="test",
    )


def read(snapshot: Path, relative: str) -> Any:
    return json.loads((snapshot / relative).read_text(encoding="utf-8"))


def ids(snapshot: Path, relative: str) -> set[str]:
    return {str(item["id"]) for item in read(snapshot, relative)["value"]}


@pytest.fixture(scope="module")
def snapshot(
    fake_server: FakeAzure,
    certificate: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[CollectResult, list[str]]:
    """One full collection shared by the read-only tests, with the paths it asked."""
    fake_server.reset()
    out = tmp_path_factory.mktemp("azure") / "snapshot"
    result = collect(fake_server, certificate, out)
    return result, [s.path for s in fake_server.seen]


def test_files_are_written_in_native_shapes(
    snapshot: tuple[CollectResult, list[str]],
) -> None:
    result, _ = snapshot
    written = {
        str(p.relative_to(result.path)) for p in result.path.rglob("*") if p.is_file()
    }
    prod = f"azure/subscriptions/{PROD}"
    dev = f"azure/subscriptions/{DEV}"
    assert written == {
        "manifest.json",
        "azure/tenant/management_groups.json",
        "azure/tenant/subscriptions.json",
        "azure/tenant/role_definitions.builtin.json",
        "azure/tenant/role_assignments.above_subscriptions.json",
        "azure/tenant/applications.json",
        "azure/tenant/service_principals.json",
        "azure/tenant/groups.json",
        "azure/tenant/directory_role_assignments.json",
        f"{prod}/resource_groups.json",
        f"{prod}/role_assignments.json",
        f"{prod}/role_eligibilities.json",
        f"{prod}/role_definitions.custom.json",
        f"{prod}/identities.json",
        f"{prod}/federated_credentials.json",
        f"{dev}/resource_groups.json",
        f"{dev}/role_assignments.json",
        f"{dev}/identities.json",
        f"{dev}/federated_credentials.json",
        f"{dev}/resources.json",
    }


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        # Two pages; the other tenant's subscription is left out.
        (
            "azure/tenant/subscriptions.json",
            {f"/subscriptions/{s}" for s in (PROD, DEV, SANDBOX)},
        ),
        # Two pages; the inherited group assignment is not kept here.
        (
            f"azure/subscriptions/{PROD}/role_assignments.json",
            {
                f"/subscriptions/{PROD}/providers/Microsoft.Authorization/"
                "roleAssignments/e0000000-0000-4000-8000-000000000011",
                f"/subscriptions/{PROD}/resourceGroups/rg-ci/providers/"
                "Microsoft.Authorization/roleAssignments/"
                "e0000000-0000-4000-8000-000000000012",
            },
        ),
        (
            f"azure/subscriptions/{PROD}/federated_credentials.json",
            {
                f"/subscriptions/{PROD}/resourcegroups/rg-ci/providers/"
                "Microsoft.ManagedIdentity/userAssignedIdentities/id-deploy/"
                f"federatedIdentityCredentials/{name}"
                for name in ("github-main", "github-any-branch")
            },
        ),
        # Graph pages via @odata.nextLink.
        (
            "azure/tenant/applications.json",
            {
                "a1000000-0000-4000-8000-000000000001",
                "a2000000-0000-4000-8000-000000000002",
            },
        ),
        (
            "azure/tenant/service_principals.json",
            {
                "51000000-0000-4000-8000-000000000001",
                "52000000-0000-4000-8000-000000000002",
                "d1000000-0000-4000-8000-000000000001",
                "d2000000-0000-4000-8000-000000000002",
            },
        ),
        # Inherited through two subscriptions and listed at the group: kept once.
        (
            "azure/tenant/role_assignments.above_subscriptions.json",
            {MG_PLATFORM_OWNER},
        ),
        # PIM: dev answers as a tenant without PIM would, which is no gap.
        (
            f"azure/subscriptions/{PROD}/role_eligibilities.json",
            {
                f"/subscriptions/{PROD}/providers/Microsoft.Authorization/"
                "roleEligibilityScheduleInstances/61000000-0000-4000-8000-000000000001"
            },
        ),
        # Only groups that hold a grant; members read over two pages.
        ("azure/tenant/groups.json", {OPS_TEAM}),
        # Only resources that run as an identity.
        (
            f"azure/subscriptions/{DEV}/resources.json",
            {
                f"/subscriptions/{DEV}/resourceGroups/rg-ops/providers/"
                "Microsoft.Compute/virtualMachines/vm-ops"
            },
        ),
    ],
)
def test_every_page_is_read(
    snapshot: tuple[CollectResult, list[str]],
    relative: str,
    expected: set[str],
) -> None:
    result, _ = snapshot
    assert ids(result.path, relative) == expected


def test_inherited_assignment_is_written_once(
    snapshot: tuple[CollectResult, list[str]],
) -> None:
    result, _ = snapshot
    above = read(result.path, "azure/tenant/role_assignments.above_subscriptions.json")
    assert [item["id"] for item in above["value"]] == [MG_PLATFORM_OWNER]


def test_fields_the_sdk_models_lack_are_kept(
    snapshot: tuple[CollectResult, list[str]],
) -> None:
    result, _ = snapshot
    credentials = read(
        result.path,
        f"azure/subscriptions/{PROD}/federated_credentials.json",
    )["value"]
    expressions = {
        c["name"]: (c["properties"].get("claimsMatchingExpression") or {}).get("value")
        for c in credentials
    }
    assert expressions == {
        "github-main": None,
        "github-any-branch": "claims['sub'] matches "
        "'repo:example-org/infra:ref:refs/heads/*'",
    }


def test_credential_metadata_only(snapshot: tuple[CollectResult, list[str]]) -> None:
    result, _ = snapshot
    deployer = read(result.path, "azure/tenant/applications.json")["value"][0]
    assert deployer["passwordCredentials"] == [
        {
            "keyId": "70000000-0000-4000-8000-000000000001",
            "displayName": "ci-secret",
            "startDateTime": "2026-01-15T09:00:00Z",
            "endDateTime": "2028-01-15T09:00:00Z",
        }
    ]
    assert {tuple(sorted(c)) for c in deployer["keyCredentials"]} == {
        ("displayName", "endDateTime", "keyId", "startDateTime", "type", "usage")
    }


def test_group_members_are_read_transitively(
    snapshot: tuple[CollectResult, list[str]],
) -> None:
    result, _ = snapshot
    (group,) = read(result.path, "azure/tenant/groups.json")["value"]
    assert [(m["@odata.type"], m["id"]) for m in group["members"]] == [
        ("#microsoft.graph.user", "0c000000-0000-4000-8000-000000000002"),
        ("#microsoft.graph.servicePrincipal", "52000000-0000-4000-8000-000000000002"),
    ]


def test_denied_subscription_is_one_gap(
    snapshot: tuple[CollectResult, list[str]],
) -> None:
    result, _ = snapshot
    manifest = result.manifest
    assert [(g.scope, g.reason) for g in manifest.coverage] == [
        (f"/subscriptions/{SANDBOX}", "access-denied")
    ]
    assert "403 AuthorizationFailed" in manifest.coverage[0].detail
    assert manifest.complete == (
        f"/tenants/{TENANT}",
        f"/subscriptions/{PROD}",
        f"/subscriptions/{DEV}",
    )
    assert result.unread == (f"/subscriptions/{SANDBOX}",)
    assert result.partly == ()
    on_disk = read(result.path, "manifest.json")
    assert on_disk["cloud"] == "azure"
    assert on_disk["coverage"][0]["scope"] == f"/subscriptions/{SANDBOX}"


def test_management_group_grants_are_listed_at_scope(
    snapshot: tuple[CollectResult, list[str]],
) -> None:
    _, paths = snapshot
    group_reads = {p for p in paths if p.endswith("/roleAssignments")}
    assert {p for p in group_reads if p.startswith("/providers/")} == {
        f"/providers/Microsoft.Management/managementGroups/{name}/providers/"
        "Microsoft.Authorization/roleAssignments"
        for name in (TENANT, "platform")
    }


def test_bearer_token_goes_only_to_the_endpoint(
    fake_azure: FakeAzure,
    certificate: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    credential = FakeCredential()
    collect_azure(
        options_for(fake_azure, certificate),
        tmp_path / "out",
        credential=credential,
    )
    assert {s.authorization for s in fake_azure.seen} == {f"Bearer {TOKEN}"}
    assert set(credential.scopes) == {f"{fake_azure.url}/.default"}


def test_tokens_are_asked_for_the_collected_tenant(
    fake_azure: FakeAzure,
    certificate: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    signed_in = FakeCredential()
    collect_azure(
        options_for(fake_azure, certificate),
        tmp_path / "out",
        credential=TenantCredential(signed_in, TENANT),
    )
    assert set(signed_in.tenants) == {TENANT}
    assert len(signed_in.tenants) > 2


def test_no_secret_reaches_disk_or_logs(
    fake_azure: FakeAzure,
    certificate: tuple[Path, Path],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    result = collect(fake_azure, certificate, tmp_path / "out")
    texts = [p.read_text() for p in result.path.rglob("*") if p.is_file()]
    texts.append(caplog.text)
    leaked = {s for s in SERVED_SECRETS for text in texts if s in text}
    assert leaked == set()


def test_throttled_calls_are_retried(
    fake_azure: FakeAzure,
    certificate: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    arm_path = f"/subscriptions/{PROD}/resourcegroups"
    graph_path = "/v1.0/serviceprincipals"
    fake_azure.faults[arm_path] = [429, 503]
    fake_azure.faults[graph_path] = [429]
    graph = {"graph_endpoint": fake_azure.url}
    result = collect(fake_azure, certificate, tmp_path / "out", **graph)

    statuses = [s.status for s in fake_azure.seen if s.path.lower() == arm_path]
    assert statuses == [429, 503, 200]
    graph_statuses = [s.status for s in fake_azure.seen if s.path.lower() == graph_path]
    assert graph_statuses == [429, 200, 200]
    assert {g.scope for g in result.manifest.coverage} == {f"/subscriptions/{SANDBOX}"}


def test_throttling_past_the_attempts_is_a_gap(
    fake_azure: FakeAzure,
    certificate: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    path = f"/subscriptions/{DEV}/providers/microsoft.managedidentity/"
    path += "userassignedidentities"
    fake_azure.faults[path] = [429] * 3
    result = collect(fake_azure, certificate, tmp_path / "out", max_attempts=2)

    gaps = {(g.scope, g.reason) for g in result.manifest.coverage}
    assert gaps == {
        (f"/subscriptions/{SANDBOX}", "access-denied"),
        (f"/subscriptions/{DEV}", "throttled"),
    }
    assert result.partly == (f"/subscriptions/{DEV}",)
    assert not (result.path / f"azure/subscriptions/{DEV}/identities.json").exists()
    assert (result.path / f"azure/subscriptions/{DEV}/role_assignments.json").exists()


def test_denied_graph_is_a_tenant_gap(
    fake_azure: FakeAzure,
    certificate: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    fake_azure.faults["/v1.0/serviceprincipals"] = [403]
    result = collect(fake_azure, certificate, tmp_path / "out")

    gaps = {(g.scope, g.reason) for g in result.manifest.coverage}
    assert gaps == {
        (f"/subscriptions/{SANDBOX}", "access-denied"),
        (f"/tenants/{TENANT}", "access-denied"),
    }
    assert (result.path / "azure/tenant/applications.json").exists()
    assert not (result.path / "azure/tenant/service_principals.json").exists()
    assert f"/tenants/{TENANT}" in result.partly


def test_denied_subscription_list_falls_back_to_the_tree(
    fake_azure: FakeAzure,
    certificate: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    fake_azure.faults["/subscriptions"] = [403]
    result = collect(fake_azure, certificate, tmp_path / "out")

    assert result.manifest.scopes == (
        f"/tenants/{TENANT}",
        f"/subscriptions/{PROD}",
        f"/subscriptions/{DEV}",
        f"/subscriptions/{SANDBOX}",
    )
    assert not (result.path / "azure/tenant/subscriptions.json").exists()
    assert {(g.scope, g.reason) for g in result.manifest.coverage} == {
        (f"/tenants/{TENANT}", "access-denied"),
        (f"/subscriptions/{SANDBOX}", "access-denied"),
    }


@pytest.mark.parametrize(
    ("named", "read_scopes", "gaps"),
    [
        ((DEV,), {DEV}, set()),
        (
            (DEV, "5b000009-0000-4000-8000-000000000009"),
            {DEV},
            {("/subscriptions/5b000009-0000-4000-8000-000000000009", "not-found")},
        ),
    ],
)
def test_named_subscriptions_only(
    fake_azure: FakeAzure,
    certificate: tuple[Path, Path],
    tmp_path: Path,
    named: tuple[str, ...],
    read_scopes: set[str],
    gaps: set[tuple[str, str]],
) -> None:
    result = collect(fake_azure, certificate, tmp_path / "out", subscriptions=named)

    asked = {
        p.split("/")[2] for p in fake_azure.paths() if p.startswith("/subscriptions/")
    }
    assert asked == read_scopes
    assert {(g.scope, g.reason) for g in result.manifest.coverage} == gaps


def test_no_credential_fails_before_writing(
    fake_azure: FakeAzure,
    certificate: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    class NoCredential(FakeCredential):
        def get_token(self, *scopes: str, **kwargs: Any) -> Any:
            raise ClientAuthenticationError("DefaultAzureCredential failed\nmore")

    with pytest.raises(CollectError, match="no usable Azure credential"):
        collect_azure(
            options_for(fake_azure, certificate),
            tmp_path / "out",
            credential=NoCredential(),
        )
    assert list(tmp_path.iterdir()) == []
    assert fake_azure.seen == []


def test_unreadable_root_group_falls_back_to_visible_groups(
    fake_azure: FakeAzure,
    certificate: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    root = f"/providers/microsoft.management/managementgroups/{TENANT}"
    fake_azure.faults[root] = [403]
    result = collect(fake_azure, certificate, tmp_path / "out")

    tree = read(result.path, "azure/tenant/management_groups.json")
    assert [g["name"] for g in tree["value"]] == ["platform"]
    gaps = {(g.scope, g.reason) for g in result.manifest.coverage}
    assert gaps == {
        (f"/tenants/{TENANT}", "access-denied"),
        (f"/subscriptions/{SANDBOX}", "access-denied"),
    }
    (tenant_gap,) = [g for g in result.manifest.coverage if "tenants" in g.scope]
    assert tenant_gap.detail.endswith("tree built from 1 visible groups")
    graph = build_graph(load_inputs([result.path]))
    assert graph.container_of(f"/subscriptions/{PROD}") == PLATFORM


def test_interrupted_run_leaves_a_partial_folder(
    fake_azure: FakeAzure,
    certificate: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def interrupted(*args: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(collectors.azure, "read_directory", interrupted)
    with pytest.raises(CollectInterrupted, match="partial snapshot left in"):
        collect(fake_azure, certificate, tmp_path / "out")

    assert not (tmp_path / "out").exists()
    (partial,) = tmp_path.glob("out.partial-*")
    manifest = read(partial, "manifest.json")
    assert [(g["scope"], g["reason"]) for g in manifest["coverage"]] == [
        ("snapshot", "interrupted")
    ]
    assert (partial / "azure/tenant/management_groups.json").is_file()


def _unsigned_token(claims: dict[str, str]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode()
    return f"e30.{body.rstrip('=')}.c2ln"


@pytest.mark.parametrize(
    ("token", "caller"),
    [
        (
            _unsigned_token({"upn": "auditor@example.com", "oid": "x"}),
            "auditor@example.com",
        ),
        (
            _unsigned_token({"appid": "a1a00000-0000-4000-8000-000000000001"}),
            "a1a00000-0000-4000-8000-000000000001",
        ),
        (_unsigned_token({"aud": "https://management.azure.com"}), ""),
        ("opaque-token", ""),
        ("a.%%%.b", ""),
    ],
)
def test_manifest_names_the_caller_not_the_token(
    fake_azure: FakeAzure,
    certificate: tuple[Path, Path],
    tmp_path: Path,
    token: str,
    caller: str,
) -> None:
    result = collect_azure(
        options_for(fake_azure, certificate, directory=False, subscriptions=(DEV,)),
        tmp_path / "out",
        credential=FakeCredential(token),
    )
    assert result.manifest.caller == caller
    assert token not in (result.path / "manifest.json").read_text()


@pytest.mark.parametrize(
    ("path", "link", "scope", "operation"),
    [
        (
            f"/subscriptions/{DEV}/providers/Microsoft.Authorization/denyAssignments",
            "nextLink",
            f"/subscriptions/{DEV}",
            "denyAssignments list",
        ),
        (
            f"/v1.0/groups/{OPS_TEAM}/transitiveMembers",
            "@odata.nextLink",
            f"/tenants/{TENANT}",
            f"groups/{OPS_TEAM}",
        ),
    ],
)
def test_a_next_page_named_twice_is_a_gap(
    certificate: tuple[Path, Path],
    tmp_path: Path,
    path: str,
    link: str,
    scope: str,
    operation: str,
) -> None:
    looping = tmp_path / "looping.json"
    body = {"value": [], link: f"{{base}}{path}?$skiptoken=again"}
    looping.write_text(json.dumps(body), encoding="utf-8")
    table = json.loads((RECORDED / "routes.json").read_text(encoding="utf-8"))
    routes = [
        Route(path=path, file=str(looping)),
        Route(path=path, file=str(looping), query={"$skiptoken": "again"}),
        *(Route(**row) for row in table),
    ]
    server = FakeAzure(*certificate, routes).start()
    try:
        result = collect(server, certificate, tmp_path / "out")
    finally:
        server.stop()

    (gap,) = [g for g in result.manifest.coverage if g.scope == scope]
    assert gap.reason == "api-error"
    assert gap.detail.startswith(operation)
    assert "next page named twice" in gap.detail


def test_unreachable_endpoints_fail_the_run(
    certificate: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nowhere = f"https://127.0.0.1:{closed.getsockname()[1]}"
    options = AzureOptions(
        tenant_id=TENANT,
        arm_endpoint=nowhere,
        graph_endpoint=nowhere,
        verify=str(certificate[0]),
        max_attempts=1,
    )
    with pytest.raises(CollectError, match=f"cannot reach {nowhere}"):
        collect_azure(options, tmp_path / "out", credential=FakeCredential())
    assert list(tmp_path.iterdir()) == []


def test_a_deleted_group_is_a_tenant_gap(
    fake_azure: FakeAzure,
    certificate: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    fake_azure.faults[f"/v1.0/groups/{OPS_TEAM}"] = [404]
    result = collect(fake_azure, certificate, tmp_path / "out")

    gaps = {(g.scope, g.reason) for g in result.manifest.coverage}
    assert gaps == {
        (f"/subscriptions/{SANDBOX}", "access-denied"),
        (f"/tenants/{TENANT}", "not-found"),
    }
    assert not (result.path / "azure/tenant/groups.json").exists()
