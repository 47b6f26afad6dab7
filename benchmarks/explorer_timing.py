"""Benchmark: time the explorer's cached work and page runs on a synthetic organisation.

Usage: ``[DENSE=1] python3 benchmarks/explorer_timing.py [ACCOUNTS] [ROLES]``.
Writes one authorization-details export per account to a temporary folder,
then times loading, the report, the container matrix, route drawing, and one
AppTest run per page (with warm caches, as a user switching pages sees it).
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ASSUME_ANY = [
    {
        "PolicyName": "assume",
        "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
            ],
        },
    }
]
ADMIN_POLICY = {
    "PolicyName": "AdministratorAccess",
    "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess",
}


def _role(account: str, index: int, trusted: list[str], admin: bool) -> dict[str, Any]:
    # DENSE=1: untrusting roles trust their account root, so every role of
    # the account (all may assume any role) reaches them.
    fallback: dict[str, Any] = {"Service": "ec2.amazonaws.com"}
    if os.environ.get("DENSE"):
        fallback = {"AWS": f"arn:aws:iam::{account}:root"}
    return {
        "Arn": f"arn:aws:iam::{account}:role/r{index}",
        "RoleName": f"r{index}",
        "RoleId": f"AROA{account}{index:05d}",
        "Path": "/",
        "CreateDate": "2024-01-01T00:00:00+00:00",
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": trusted} if trusted else fallback,
                    "Action": "sts:AssumeRole",
                }
            ],
        },
        "RolePolicyList": ASSUME_ANY,
        "AttachedManagedPolicies": [ADMIN_POLICY] if admin else [],
        "InstanceProfileList": [],
        "Tags": [{"Key": "owner", "Value": f"team-{index % 7}"}],
    }


def write_organisation(folder: Path, accounts: int, roles: int) -> None:
    """One export per account: role chains, a few cross-account trusts, an admin."""
    rng = random.Random(7)
    ids = [f"{100000000000 + a:012d}" for a in range(accounts)]
    for account in ids:
        records = []
        for index in range(roles):
            trusted = []
            if index and rng.random() < 0.3:
                trusted.append(f"arn:aws:iam::{account}:role/r{index - 1}")
            if rng.random() < 0.02:
                other = rng.choice(ids)
                trusted.append(f"arn:aws:iam::{other}:role/r{rng.randrange(roles)}")
            records.append(_role(account, index, trusted, index == roles - 1))
        export = {"UserDetailList": [], "GroupDetailList": [], "Policies": []}
        export["RoleDetailList"] = records
        (folder / f"{account}.authz.json").write_text(json.dumps(export))


def timed(label: str, func: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = func()
    print(f"{label:42} {time.perf_counter() - start:7.2f} s")
    return result


def main() -> None:
    accounts = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    roles = int(sys.argv[2]) if len(sys.argv) > 2 else 100

    from streamlit.testing.v1 import AppTest

    from crosstrust import load_graph
    from crosstrust.explorer import keys
    from crosstrust.explorer.graphview import render_routes_html
    from crosstrust.explorer.matrix import reach_matrix
    from queries.paths import principals_reaching_admin, routes_to_admin
    from reports.document import build_report

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        timed(
            f"write {accounts} x {roles} roles",
            lambda: write_organisation(folder, accounts, roles),
        )
        graph = timed("load + build graph", lambda: load_graph(folder))
        timed("report (rules + KPIs)", lambda: build_report(graph))
        timed("container reach matrix", lambda: reach_matrix(graph))
        reaching = timed(
            "principals reaching admin", lambda: principals_reaching_admin(graph)
        )
        source = sorted(reaching)[0]
        routes = timed("routes_to_admin (10)", lambda: routes_to_admin(graph, source))
        timed("route drawing HTML", lambda: render_routes_html(graph, routes))

        os.environ[keys.ENV_INPUTS] = json.dumps([str(folder)])
        for page in keys.PAGE_NAMES:
            os.environ[keys.ENV_START_PAGE] = page
            app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
            timed(f"page {page} (first run)", app.run)
            app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
            timed(f"page {page} (warm)", app.run)


if __name__ == "__main__":
    main()
