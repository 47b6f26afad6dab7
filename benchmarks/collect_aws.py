"""Timing of the AWS collector against a local moto server (not a test).

Seeds one account with many roles (and some users with access keys) using a
single writer, then times ``collect_aws`` over HTTP and prints the figures.
With ``--accounts N`` the roles are spread over an organisation of N accounts
and the collection is timed at each ``--workers`` value.

    python3 benchmarks/collect_aws.py --roles 2000 --users 100
    python3 benchmarks/collect_aws.py --accounts 10 --roles 2000 --workers 1 4
    python3 benchmarks/collect_aws.py --accounts 10 --latency 0.05 --workers 1 4
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from collectors.aws import AwsOptions, collect_aws  # noqa: E402
from tests.collectors.fault_proxy import Fault, FaultProxy  # noqa: E402

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "bench"}},
            }
        ],
    }
)
INLINE = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}],
    }
)


def seed(roles: int, users: int, accounts: int) -> float:
    """One writer, in order; returns seconds spent."""
    started = time.perf_counter()
    clients = [boto3.client("iam")]
    if accounts > 1:
        clients += member_clients(accounts - 1)
    per_account = roles // len(clients)
    for iam in clients:
        seed_roles(iam, per_account)
    for number in range(users):
        name = f"user-{number:04d}"
        clients[0].create_user(UserName=name)
        clients[0].create_access_key(UserName=name)
    return time.perf_counter() - started


def member_clients(count: int) -> list[object]:
    org = boto3.client("organizations")
    org.create_organization(FeatureSet="ALL")
    sts = boto3.client("sts")
    clients = []
    for number in range(count):
        status = org.create_account(
            Email=f"bench{number}@example.com",
            AccountName=f"bench-{number}",
        )
        account_id = status["CreateAccountStatus"]["AccountId"]
        role = f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole"
        credentials = sts.assume_role(RoleArn=role, RoleSessionName="seed")
        clients.append(
            boto3.client(
                "iam",
                aws_access_key_id=credentials["Credentials"]["AccessKeyId"],
                aws_secret_access_key=credentials["Credentials"]["SecretAccessKey"],
                aws_session_token=credentials["Credentials"]["SessionToken"],
            )
        )
    return clients


def seed_roles(iam: object, roles: int) -> None:
    for number in range(roles):
        name = f"role-{number:05d}"
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
        iam.put_role_policy(RoleName=name, PolicyName="read", PolicyDocument=INLINE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", type=int, default=2000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--accounts", type=int, default=1)
    parser.add_argument("--workers", type=int, nargs="+", default=[4])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="seconds added to every call by a local proxy, as a real API would",
    )
    args = parser.parse_args()

    server, url = start_moto()
    os.environ.update(
        AWS_ENDPOINT_URL=url,
        AWS_ACCESS_KEY_ID="AKIABENCHMARK0000000",
        AWS_SECRET_ACCESS_KEY="benchmark",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    try:
        seconds = seed(args.roles, args.users, args.accounts)
        print(
            f"seeded {args.roles} roles over {args.accounts} accounts, "
            f"{args.users} users+keys in {seconds:.1f} s"
        )
        proxy = None
        if args.latency:
            proxy = FaultProxy(url).start()
            proxy.faults.append(Fault("*", delay=args.latency))
            os.environ["AWS_ENDPOINT_URL"] = proxy.url
        for workers in args.workers:
            run(args, workers)
        if proxy is not None:
            print(
                f"{len(proxy.actions)} calls through the proxy, {args.latency} s each"
            )
            proxy.stop()
    finally:
        server.terminate()
        server.wait(timeout=30)


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    """moto in its own process, so its work does not share the collector's GIL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/moto-api/").close()
            return server, url
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("moto server did not start")


def run(args: argparse.Namespace, workers: int) -> None:
    options = AwsOptions(org=args.accounts > 1, workers=workers)
    timings = []
    for attempt in range(args.repeat):
        with tempfile.TemporaryDirectory() as scratch:
            out = Path(scratch) / "snap"
            started = time.perf_counter()
            result = collect_aws(options, out, tool_version="bench")
            elapsed = time.perf_counter() - started
            timings.append(elapsed)
            roles = sum(
                len(json.loads(authz.read_text())["RoleDetailList"])
                for authz in out.glob("aws/*/authorization-details.json")
            )
            size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
            print(
                f"workers {workers} run {attempt + 1}: {elapsed:.2f} s, {roles} roles, "
                f"{size / 1e6:.1f} MB written, complete={result.complete}"
            )
    best = min(timings)
    print(
        f"workers {workers} best {best:.2f} s; {args.roles / best:.0f} roles/s "
        f"(authorization details + {args.users} users' keys and last use)"
    )


if __name__ == "__main__":
    main()
