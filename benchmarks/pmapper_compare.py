"""Benchmark: crosstrust against Principal Mapper on one seeded moto account.

Seeds a moto server (127.0.0.1) with users and roles whose policies mix the
usual escalation techniques, then times PMapper 1.1.5 (``graph create`` and
``query 'preset privesc *'``, in its own virtualenv, under ``timeout``)
against ``crosstrust report`` on the account's authorization-details export,
and compares the sets of principals each finds able to reach admin.

Usage: ``python3 benchmarks/pmapper_compare.py [--users 50] [--roles 300]``.
The virtualenv is made on first use (PMapper imports ``collections.Mapping``,
which is patched to ``collections.abc`` for Python 3.10+).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from rich.console import Console
from rich.table import Table

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
PMAPPER = "principalmapper==1.1.5"
PATCHED = "principalmapper/util/case_insensitive_dict.py"
ACCOUNT = "123456789012"
# moto accepts any key; these are placeholders, not credentials.
FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}

POLICIES: dict[str, list[dict[str, Any]]] = {
    "read-only": [
        {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"}
    ],
    "data": [{"Effect": "Allow", "Action": ["dynamodb:*", "sqs:*"], "Resource": "*"}],
    "admin": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    "assume-any": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
    "lambda-passrole": [
        {
            "Effect": "Allow",
            "Action": [
                "iam:PassRole",
                "lambda:CreateFunction",
                "lambda:InvokeFunction",
            ],
            "Resource": "*",
        }
    ],
    "ec2-passrole": [
        {
            "Effect": "Allow",
            "Action": ["iam:PassRole", "ec2:RunInstances"],
            "Resource": "*",
        }
    ],
    "access-keys": [
        {"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*"}
    ],
    "put-user-policy": [
        {"Effect": "Allow", "Action": "iam:PutUserPolicy", "Resource": "*"}
    ],
    "update-trust": [
        {
            "Effect": "Allow",
            "Action": ["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"],
            "Resource": "*",
        }
    ],
}
WEIGHTS = {
    "read-only": 40,
    "data": 30,
    "admin": 2,
    "assume-any": 6,
    "lambda-passrole": 3,
    "ec2-passrole": 3,
    "access-keys": 2,
    "put-user-policy": 2,
    "update-trust": 1,
}


def _trust(statement: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def seed(endpoint: str, users: int, roles: int, seed_value: int = 7) -> None:
    """Users and roles with weighted-random inline policies and trusts."""
    rng = random.Random(seed_value)
    iam = boto3.client("iam", endpoint_url=endpoint, **_client_args())
    names = list(WEIGHTS)
    weights = list(WEIGHTS.values())
    for index in range(users):
        name = f"user{index:03d}"
        iam.create_user(UserName=name)
        policy = rng.choices(names, weights)[0]
        iam.put_user_policy(
            UserName=name,
            PolicyName=policy,
            PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": POLICIES[policy]}
            ),
        )
    for index in range(roles):
        name = f"role{index:03d}"
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=_role_trust(rng, users))
        policy = rng.choices(names, weights)[0]
        iam.put_role_policy(
            RoleName=name,
            PolicyName=policy,
            PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": POLICIES[policy]}
            ),
        )
        if index % 5 == 0:
            iam.create_instance_profile(InstanceProfileName=name)
            iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)


def _role_trust(rng: random.Random, users: int) -> str:
    pick = rng.random()
    if pick < 0.4:
        service = rng.choice(["ec2.amazonaws.com", "lambda.amazonaws.com"])
        return _trust(
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
            }
        )
    if pick < 0.8:
        root = f"arn:aws:iam::{ACCOUNT}:root"
        return _trust(
            {"Effect": "Allow", "Principal": {"AWS": root}, "Action": "sts:AssumeRole"}
        )
    user = f"arn:aws:iam::{ACCOUNT}:user/user{rng.randrange(users):03d}"
    return _trust(
        {"Effect": "Allow", "Principal": {"AWS": user}, "Action": "sts:AssumeRole"}
    )


def _client_args() -> dict[str, str]:
    return {
        "aws_access_key_id": FAKE_ENV["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": FAKE_ENV["AWS_SECRET_ACCESS_KEY"],
        "region_name": FAKE_ENV["AWS_DEFAULT_REGION"],
    }


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server on a free loopback port, stopped on exit."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_for(port: int, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"moto server did not start on port {port}")


def ensure_pmapper(venv: Path) -> Path:
    """PMapper in its own virtualenv, patched for Python 3.10+."""
    executable = venv / "bin" / "pmapper"
    if not executable.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "pip"), "install", "--quiet", PMAPPER]
        subprocess.run(pip, check=True)
    for module in venv.glob(f"lib/python3*/site-packages/{PATCHED}"):
        text = module.read_text()
        old = "from collections import Mapping, MutableMapping, OrderedDict"
        new = (
            "from collections import OrderedDict\n"
            "from collections.abc import Mapping, MutableMapping"
        )
        if old in text:
            module.write_text(text.replace(old, new))
    return executable


def run_pmapper(
    pmapper: Path, endpoint: str, home: Path, limit: int
) -> tuple[float, str]:
    """Time ``graph create`` plus the privesc query; return seconds and output."""
    env = {
        **os.environ,
        **FAKE_ENV,
        "AWS_ENDPOINT_URL": endpoint,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "xdg"),
    }
    started = time.perf_counter()
    create = [
        "timeout",
        str(limit),
        str(pmapper),
        "graph",
        "create",
        "--ignore-orgs",
        "--include-regions",
        "us-east-1",
    ]
    subprocess.run(create, env=env, check=True, capture_output=True)
    query = ["timeout", str(limit), str(pmapper), "query", "preset privesc *"]
    done = subprocess.run(query, env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - started, done.stdout


def pmapper_escalators(output: str) -> set[str]:
    """Principals PMapper reports as able to escalate (``user/x``, ``role/y``)."""
    found = set()
    for line in output.splitlines():
        match = re.match(r"^((?:user|role)/\S+) can escalate privileges", line.strip())
        if match:
            found.add(match.group(1))
    return found


def pmapper_admins(home: Path) -> set[str]:
    """Principals PMapper's stored graph marks admin (``user/x``, ``role/y``)."""
    found = set()
    for nodes in (home / "xdg").glob("principalmapper/*/graph/nodes.json"):
        for node in json.loads(nodes.read_text()):
            if node.get("is_admin"):
                found.add(_short(node["arn"]))
    return found


def export_authz(endpoint: str, path: Path) -> None:
    """The account's ``get-account-authorization-details``, as the AWS CLI writes it."""
    iam = boto3.client("iam", endpoint_url=endpoint, **_client_args())
    merged: dict[str, list[Any]] = {
        "UserDetailList": [],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": [],
    }
    for page in iam.get_paginator("get_account_authorization_details").paginate():
        for key in merged:
            merged[key].extend(page.get(key, []))
    path.write_text(json.dumps(merged, default=str))


def run_crosstrust(authz: Path) -> tuple[float, float, set[str], set[str]]:
    """Seconds for ``crosstrust report`` (a fresh process), escalators and admins."""
    command = [
        sys.executable,
        "-c",
        "from crosstrust.cli import main; main()",
        "report",
        str(authz),
        "--format",
        "json",
    ]
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, capture_output=True, check=False)
    report_seconds = time.perf_counter() - started

    sys.path.insert(0, str(ROOT))
    from crosstrust import load_graph
    from queries.paths import principals_reaching_admin

    started = time.perf_counter()
    graph = load_graph(authz)
    reaching = principals_reaching_admin(graph)
    build_seconds = time.perf_counter() - started
    names = {_short(node) for node in reaching if ":user/" in node or ":role/" in node}
    admins = {_short(n) for n in graph.admins() if ":user/" in n or ":role/" in n}
    return report_seconds, build_seconds, names, admins


def _short(arn: str) -> str:
    return arn.split(":", 5)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--roles", type=int, default=300)
    parser.add_argument("--venv", type=Path, default=Path("/tmp/pmapper-venv"))
    parser.add_argument("--timeout", type=int, default=900)
    parser.add_argument("--keep", type=Path, help="folder to keep both tools' inputs")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    pmapper = ensure_pmapper(args.venv)
    with tempfile.TemporaryDirectory() as scratch, moto_server() as endpoint:
        folder = Path(scratch)
        seed(endpoint, args.users, args.roles)
        authz = folder / "authz.json"
        export_authz(endpoint, authz)
        report_seconds, build_seconds, ours, our_admins = run_crosstrust(authz)
        pm_seconds, output = run_pmapper(pmapper, endpoint, folder, args.timeout)
        theirs = pmapper_escalators(output)
        their_admins = pmapper_admins(folder)
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            (args.keep / "pmapper.txt").write_text(output)
            (args.keep / "authz.json").write_text(authz.read_text())

    table = Table(title=f"{args.users} users / {args.roles} roles on moto")
    for column in ("", "PMapper 1.1.5", "crosstrust"):
        table.add_column(column)
    table.add_row(
        "seconds (PMapper graph create + privesc query; crosstrust report)",
        f"{pm_seconds:.1f}",
        f"{report_seconds:.1f} (load+build+query in process {build_seconds:.2f})",
    )
    table.add_row("admins", str(len(their_admins)), str(len(our_admins)))
    table.add_row("non-admins reaching admin", str(len(theirs)), str(len(ours)))
    table.add_row(
        "admin or reaching: both",
        str(len((ours | our_admins) & (theirs | their_admins))),
        "",
    )
    table.add_row(
        "only one tool",
        ", ".join(sorted((theirs | their_admins) - (ours | our_admins))) or "-",
        ", ".join(sorted((ours | our_admins) - (theirs | their_admins))) or "-",
    )
    Console().print(table)


if __name__ == "__main__":
    main()
