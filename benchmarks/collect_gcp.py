"""Timing of the GCP collector against local fake APIs (not a test).

Generates an organisation of many projects with many service accounts as
recorded responses, serves them over HTTP and gRPC on 127.0.0.1, times
``collect_gcp`` and then loading and building the snapshot.

    python3 benchmarks/collect_gcp.py --projects 200 --accounts 20
    python3 benchmarks/collect_gcp.py --projects 200 --accounts 20 --fallback
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

from collectors.gcp import GcpOptions, collect_gcp  # noqa: E402
from graph.build import build_graph  # noqa: E402
from graph.load import load_inputs  # noqa: E402
from tests.collectors.gcp.conftest import Fakes  # noqa: E402
from tests.collectors.gcp.fakes import (  # noqa: E402
    GrpcIamFake,
    Recorded,
    RestFake,
    Route,
)

ORG = "organizations/900000000001"
DENIED = {"error": {"code": 403, "message": "denied", "status": "PERMISSION_DENIED"}}


class Generator:
    """Writes response bodies into a folder and collects routes to them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.routes: list[Route] = []

    def serve(self, method: str, path: str, body: Any, **match: str) -> None:
        name = f"r{len(self.routes)}.json"
        (self.root / name).write_text(json.dumps(body))
        self.routes.append(Route(method, path, name, match))


def account(project: str, index: int) -> dict[str, Any]:
    email = f"sa-{index}@{project}.iam.gserviceaccount.com"
    return {
        "name": f"projects/{project}/serviceAccounts/{email}",
        "projectId": project,
        "uniqueId": f"{abs(hash(email)) % 10**20:020d}",
        "email": email,
    }


def policy(member: str, role: str) -> dict[str, Any]:
    return {
        "version": 1,
        "etag": "BwY=",
        "bindings": [{"role": role, "members": [member]}],
    }


def generate_folders(gen: Generator, count: int) -> None:
    """``count`` empty folders right below the organisation."""
    names = [f"folders/{7000 + i}" for i in range(count)]
    rows = [{"name": n, "parent": ORG, "displayName": n} for n in names]
    gen.serve("GET", "/v3/folders", {"folders": rows}, parent=ORG)
    deny_root = "/v2/policies/cloudresourcemanager.googleapis.com%2F"
    for name in names:
        gen.serve("GET", "/v3/folders", {}, parent=name)
        gen.serve("GET", "/v3/projects", {}, parent=name)
        gen.serve("GET", f"{deny_root}{name.replace('/', '%2F')}/denypolicies", {})
        gen.serve("POST", f"/v3/{name}:getIamPolicy", {"etag": "BwY="})


def generate(
    gen: Generator, projects: int, accounts: int, folders: int, fallback: bool
) -> None:
    gen.serve("GET", f"/v3/{ORG}", {"name": ORG, "displayName": "bench.test"})
    generate_folders(gen, folders)
    ids = [f"bench-project-{i:04d}" for i in range(projects)]
    for start in range(0, max(projects, 1), 100):
        rows = [
            {"name": f"projects/{5000 + i}", "projectId": ids[i], "parent": ORG}
            for i in range(start, min(start + 100, projects))
        ]
        body: dict[str, Any] = {"projects": rows}
        if start + 100 < projects:
            body["nextPageToken"] = f"p{start + 100}"
        token = {"pageToken": f"p{start}"} if start else {}
        gen.serve("GET", "/v3/projects", body, parent=ORG, **token)

    results = []
    deny_root = "/v2/policies/cloudresourcemanager.googleapis.com%2F"
    gen.serve("GET", f"{deny_root}{ORG.replace('/', '%2F')}/denypolicies", {})
    for number, project in enumerate(ids):
        rows = [account(project, i) for i in range(accounts)]
        gen.serve(
            "RPC", "ListServiceAccounts", {"accounts": rows}, name=f"projects/{project}"
        )
        gen.serve("GET", f"{deny_root}projects%2F{project}/denypolicies", {})
        caller = f"serviceAccount:{rows[0]['email']}" if rows else "user:a@bench.test"
        # Each project's first account may impersonate the next project's.
        upstream = ids[number - 1] if number else project
        neighbour = f"serviceAccount:{account(upstream, 0)['email']}"
        project_policy = policy(caller, "roles/editor")
        results.append(
            {
                "resource": f"//cloudresourcemanager.googleapis.com/projects/{project}",
                "policy": project_policy,
                "project": f"projects/{5000 + number}",
                "organization": ORG,
            }
        )
        gen.serve("POST", f"/v3/projects/{project}:getIamPolicy", project_policy)
        for row in rows:
            keys = {
                "keys": [
                    {
                        "name": f"{row['name']}/keys/{row['uniqueId']}",
                        "keyType": "USER_MANAGED",
                        "validAfterTime": "2024-01-01T00:00:00Z",
                        "validBeforeTime": "9999-12-31T23:59:59Z",
                    }
                ]
            }
            gen.serve("RPC", "ListServiceAccountKeys", keys, name=row["name"])
            sa_policy = policy(neighbour, "roles/iam.serviceAccountTokenCreator")
            gen.serve("RPC", "GetIamPolicy", sa_policy, resource=row["name"])
            results.append(
                {
                    "resource": f"//iam.googleapis.com/{row['name']}",
                    "policy": sa_policy,
                    "project": f"projects/{5000 + number}",
                    "organization": ORG,
                }
            )

    search = f"/v1/{ORG}:searchAllIamPolicies"
    if not results:
        gen.serve("GET", search, {})
    if fallback:
        gen.serve("GET", search, DENIED)
        gen.serve(
            "POST",
            f"/v3/{ORG}:getIamPolicy",
            policy("user:a@bench.test", "roles/owner"),
        )
    for start in range(0, len(results), 500):
        page: dict[str, Any] = {"results": results[start : start + 500]}
        if start + 500 < len(results):
            page["nextPageToken"] = f"s{start + 500}"
        token = {"pageToken": f"s{start}"} if start else {}
        gen.serve("GET", search, page, **token)
    gen.serve("GET", f"/v1/{ORG}/assets", {})
    gen.serve("RPC", "ListRoles", {})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--folders", type=int, default=0)
    parser.add_argument(
        "--latency", type=float, default=0.0, help="ms each fake answer waits"
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--fallback", action="store_true", help="deny the asset search")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        (root / "recorded").mkdir()
        gen = Generator(root / "recorded")
        generate(gen, args.projects, args.accounts, args.folders, args.fallback)
        recorded = Recorded(gen.routes, root=gen.root, latency=args.latency / 1000)
        rest, iam = RestFake(recorded).start(), GrpcIamFake(recorded).start()
        fakes = Fakes(recorded, rest, iam)
        try:
            started = time.perf_counter()
            result = collect_gcp(
                GcpOptions(organization=ORG.split("/")[1], workers=args.workers),
                root / "snap",
                clients=fakes.clients(),
            )
            collected = time.perf_counter() - started
        finally:
            rest.stop()
            iam.stop()

        started = time.perf_counter()
        graph = build_graph(load_inputs([result.path]))
        built = time.perf_counter() - started
        files = [p for p in result.path.rglob("*.json")]
        size = sum(p.stat().st_size for p in files)

    print(
        f"projects={args.projects} accounts/project={args.accounts} "
        f"folders={args.folders} latency={args.latency}ms "
        f"workers={args.workers} fallback={args.fallback}\n"
        f"requests={len(recorded.requests)} collect={collected:.2f}s "
        f"files={len(files)} bytes={size} gaps={len(result.manifest.coverage)}\n"
        f"gap reasons={sorted({g.reason for g in result.manifest.coverage})}\n"
        f"load+build={built:.2f}s nodes={graph.nx.number_of_nodes()} "
        f"edges={graph.nx.number_of_edges()}"
    )


if __name__ == "__main__":
    main()
