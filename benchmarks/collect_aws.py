"""Timing of the AWS collector against a local moto server (not a test).

Seeds one account with many roles (and some users with access keys) using a
single writer, then times ``collect_aws`` over HTTP and prints the figures.

    python3 benchmarks/collect_aws.py --roles 2000 --users 100
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import boto3
from moto.server import ThreadedMotoServer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from collectors.aws import AwsOptions, collect_aws  # noqa: E402

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


def seed(roles: int, users: int) -> float:
    """One writer, in order; returns seconds spent."""
    started = time.perf_counter()
    iam = boto3.client("iam")
    for number in range(roles):
        name = f"role-{number:05d}"
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
        iam.put_role_policy(RoleName=name, PolicyName="read", PolicyDocument=INLINE)
    for number in range(users):
        name = f"user-{number:04d}"
        iam.create_user(UserName=name)
        iam.create_access_key(UserName=name)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", type=int, default=2000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ.update(
        AWS_ENDPOINT_URL=f"http://{host}:{port}",
        AWS_ACCESS_KEY_ID="AKIABENCHMARK0000000",
        AWS_SECRET_ACCESS_KEY="benchmark",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    try:
        seconds = seed(args.roles, args.users)
        print(f"seeded {args.roles} roles, {args.users} users+keys in {seconds:.1f} s")
        run(args)
    finally:
        server.stop()


def run(args: argparse.Namespace) -> None:
    timings = []
    for attempt in range(args.repeat):
        with tempfile.TemporaryDirectory() as scratch:
            out = Path(scratch) / "snap"
            started = time.perf_counter()
            result = collect_aws(AwsOptions(), out, tool_version="bench")
            elapsed = time.perf_counter() - started
            timings.append(elapsed)
            authz = next(out.glob("aws/*/authorization-details.json"))
            roles = len(json.loads(authz.read_text())["RoleDetailList"])
            size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
            print(
                f"run {attempt + 1}: {elapsed:.2f} s, {roles} roles, "
                f"{size / 1e6:.1f} MB written, complete={result.complete}"
            )
    best = min(timings)
    print(
        f"best {best:.2f} s; {args.roles / best:.0f} roles/s "
        f"(authorization details + {args.users} users' keys and last use)"
    )


if __name__ == "__main__":
    main()
