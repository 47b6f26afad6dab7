"""Timing of the Azure collector against the local fake ARM + Graph (not a test).

Writes a tenant of N subscriptions (resource groups, paged role assignments,
identities with federated credentials, identity-bearing VMs) and a directory
of apps and service principals as recorded answers, serves them over HTTPS on
127.0.0.1, then times ``collect_azure`` at each ``--workers`` value.

    python3 benchmarks/collect_azure.py --subscriptions 100 --workers 1 4 8
    python3 benchmarks/collect_azure.py --subscriptions 100 --latency 0.05
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from collectors.azure import AzureOptions, collect_azure  # noqa: E402
from tests.collectors.azure.fake_azure import (  # noqa: E402
    FakeAzure,
    FakeCredential,
    Route,
    make_certificate,
)

TENANT = "7a1e5e00-0000-4000-8000-0000000000aa"
MG = "/providers/Microsoft.Management/managementGroups/"
AUTH = "/providers/Microsoft.Authorization"
MSI = "/providers/Microsoft.ManagedIdentity/userAssignedIdentities"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"


def guid(kind: int, index: int) -> str:
    return f"{kind:08x}-0000-4000-8000-{index:012x}"


class Tenant:
    """Recorded answers written to a folder, with their routes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.routes: list[Route] = []

    def put(self, path: str, data: Any, **query: str) -> None:
        name = f"r{len(self.routes)}.json"
        (self.root / name).write_text(json.dumps(data), encoding="utf-8")
        self.routes.append(Route(path=path, file=name, query=query))

    def paged(self, path: str, items: list[Any], size: int, link: str) -> None:
        """Items over pages of ``size``, linked by ``$skiptoken``."""
        pages = [items[i : i + size] for i in range(0, len(items), size)] or [[]]
        for number, page in enumerate(pages):
            body: dict[str, Any] = {"value": page}
            if number + 1 < len(pages):
                body[link] = f"{{base}}{path}?$skiptoken=p{number + 1}"
            query = {"$skiptoken": f"p{number}"} if number else {}
            self.put(path, body, **query)


def write_tenant(root: Path, subscriptions: int, apps: int) -> Tenant:
    tenant = Tenant(root)
    ids = [guid(0x5B, i) for i in range(subscriptions)]
    children = [
        {"id": f"/subscriptions/{s}", "type": "/subscriptions", "name": s} for s in ids
    ]
    tenant.put(
        MG + TENANT,
        {
            "id": MG + TENANT,
            "type": "Microsoft.Management/managementGroups",
            "name": TENANT,
            "properties": {"tenantId": TENANT, "children": children},
        },
    )
    tenant.put(f"{MG}{TENANT}{AUTH}/roleAssignments", {"value": []})
    listed = [
        {
            "id": f"/subscriptions/{s}",
            "subscriptionId": s,
            "tenantId": TENANT,
            "displayName": f"sub-{i}",
        }
        for i, s in enumerate(ids)
    ]
    tenant.paged("/subscriptions", listed, 100, "nextLink")
    for number, subscription in enumerate(ids):
        write_subscription(tenant, number, subscription)
    write_directory(tenant, apps)
    return tenant


def write_subscription(tenant: Tenant, number: int, subscription: str) -> None:
    scope = f"/subscriptions/{subscription}"
    tenant.put(
        f"{scope}/resourcegroups",
        {
            "value": [
                {
                    "id": f"{scope}/resourceGroups/rg-{g}",
                    "name": f"rg-{g}",
                    "type": "Microsoft.Resources/resourceGroups",
                }
                for g in range(3)
            ]
        },
    )
    identities = []
    for i in range(2):
        name = f"id-{i}"
        identity_id = f"{scope}/resourceGroups/rg-0{MSI}/{name}"
        identities.append(
            {
                "id": f"{scope}/resourceGroups/rg-0/providers/"
                f"Microsoft.ManagedIdentity/userAssignedIdentities/{name}",
                "name": name,
                "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
                "properties": {
                    "tenantId": TENANT,
                    "principalId": guid(0xD0, number * 10 + i),
                },
            }
        )
        tenant.put(
            f"{scope}/resourceGroups/rg-0{MSI}/{name}/federatedIdentityCredentials",
            {
                "value": [
                    {
                        "id": f"{identity_id}/federatedIdentityCredentials/gh",
                        "name": "gh",
                        "type": "Microsoft.ManagedIdentity/userAssignedIdentities/"
                        "federatedIdentityCredentials",
                        "properties": {
                            "issuer": "https://token.actions.githubusercontent.com",
                            "subject": f"repo:example-org/app-{number}:ref:main",
                            "audiences": ["api://AzureADTokenExchange"],
                        },
                    }
                ]
            },
        )
    tenant.put(f"{scope}{MSI}", {"value": identities})
    assignments = [
        {
            "id": f"{scope}{AUTH}/roleAssignments/{guid(0xE0, number * 100 + a)}",
            "properties": {
                "scope": scope,
                "roleDefinitionId": f"{scope}{AUTH}/roleDefinitions/{CONTRIBUTOR}",
                "principalId": guid(0xD0, number * 10 + a % 2),
                "principalType": "ServicePrincipal",
            },
        }
        for a in range(10)
    ]
    tenant.paged(f"{scope}{AUTH}/roleAssignments", assignments, 5, "nextLink")
    tenant.put(f"{scope}{AUTH}/denyAssignments", {"value": []})
    tenant.put(f"{scope}{AUTH}/roleEligibilityScheduleInstances", {"value": []})
    tenant.put(f"{scope}{AUTH}/roleDefinitions", {"value": []})
    tenant.put(f"{scope}/resources", {"value": []})


def write_directory(tenant: Tenant, apps: int) -> None:
    records = [
        {
            "id": guid(0xA0, i),
            "appId": guid(0xAA, i),
            "displayName": f"app-{i}",
            "passwordCredentials": [],
            "keyCredentials": [],
            "owners": [],
        }
        for i in range(apps)
    ]
    tenant.paged("/v1.0/applications", records, 100, "@odata.nextLink")
    principals = [
        {
            "id": guid(0x50, i),
            "appId": guid(0xAA, i),
            "displayName": f"app-{i}",
            "servicePrincipalType": "Application",
            "owners": [],
        }
        for i in range(apps)
    ]
    tenant.paged("/v1.0/servicePrincipals", principals, 100, "@odata.nextLink")
    tenant.put("/v1.0/roleManagement/directory/roleAssignments", {"value": []})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=100)
    parser.add_argument("--apps", type=int, default=500)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / "answers").mkdir()
        tenant = write_tenant(folder / "answers", args.subscriptions, args.apps)
        cert, key = make_certificate(folder)
        server = FakeAzure(
            cert,
            key,
            tenant.routes,
            root=folder / "answers",
            latency=args.latency,
        ).start()
        try:
            for workers in args.workers:
                server.reset()
                options = AzureOptions(
                    tenant_id=TENANT,
                    arm_endpoint=server.url,
                    graph_endpoint=server.url,
                    verify=str(cert),
                    workers=workers,
                )
                started = time.perf_counter()
                result = collect_azure(
                    options,
                    folder / f"snapshot-{workers}",
                    credential=FakeCredential(),
                )
                elapsed = time.perf_counter() - started
                files = len(list(result.path.rglob("*.json")))
                print(
                    f"subscriptions={args.subscriptions} apps={args.apps} "
                    f"latency={args.latency}s workers={workers}: "
                    f"{elapsed:.2f} s, {len(server.seen)} requests, "
                    f"{files} files, {len(result.manifest.coverage)} gaps"
                )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
