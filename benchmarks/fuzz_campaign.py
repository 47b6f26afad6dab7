"""Benchmark: a time-bounded fuzz campaign over the loaders, builders and evaluator.

Generates hostile documents (mutated sample exports and AWS policy documents built
from scratch), runs each through load → build → rules → report, and prints how many
inputs were tried and which distinct faults were found. Failing inputs are saved.

    python3 benchmarks/fuzz_campaign.py --minutes 5 --save /tmp/fuzz-failures
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import resource
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from graph.aws.policy import parse_policy  # noqa: E402
from graph.errors import CrosstrustError  # noqa: E402
from tests.hardening.hostile import (  # noqa: E402
    mutated_document,
    policy_documents,
    sample_documents,
)
from tests.hardening.pipeline import Outcome, run_case, time_bound  # noqa: E402

FAULTS = {"crash", "hang", "unnamed", "net"}


class Campaign:
    """Counts outcomes and keeps one input per distinct fault site."""

    def __init__(self, deadline: float, save: Path | None) -> None:
        self.deadline = deadline
        self.save = save
        self.tried = 0
        self.verdicts: collections.Counter[str] = collections.Counter()
        self.sites: dict[str, int] = collections.Counter()
        self.saved: dict[str, str] = {}

    def record(self, outcome: Outcome, data: Any) -> None:
        self.tried += 1
        self.verdicts[outcome.verdict] += 1
        if outcome.verdict not in FAULTS:
            return
        site = f"{outcome.verdict}: {_site(outcome.detail)}"
        self.sites[site] += 1
        if site not in self.saved and self.save is not None:
            self.save.mkdir(parents=True, exist_ok=True)
            path = self.save / f"fault-{len(self.saved):03d}.json"
            path.write_text(
                data if isinstance(data, str) else json.dumps(data), encoding="utf-8"
            )
            self.saved[site] = str(path)


def _site(detail: str) -> str:
    """The innermost project frame and the error type, from a traceback."""
    lines = detail.strip().splitlines()
    frames = [ln.strip() for ln in lines if ln.strip().startswith('File "')]
    ours = [f for f in frames if "site-packages" not in f and "/hardening/" not in f]
    errors = [
        ln
        for ln in lines
        if ln[:1].isalpha() and ":" in ln and not ln.startswith("Traceback")
    ]
    error = errors[0][:100] if errors else ""
    if ours:
        return f"{ours[-1].split(', in ')[0].rsplit('/', 2)[-2:]} {error.split(':')[0]}"
    return error


def _run_documents(campaign: Campaign, work: Path, examples: int) -> None:
    documents = sample_documents()

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.one_of(mutated_document(documents), _authz_with_policy()))
    def case(data: Any) -> None:
        if time.monotonic() > campaign.deadline:
            return
        folder = Path(tempfile.mkdtemp(dir=work))
        try:
            (folder / "case.json").write_text(json.dumps(data), encoding="utf-8")
        except MemoryError:
            campaign.verdicts["oversized-input"] += 1
            shutil.rmtree(folder, ignore_errors=True)
            return
        try:
            campaign.record(run_case(folder), data)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    case()


@st.composite
def _authz_with_policy(draw: st.DrawFn) -> Any:
    """A one-role authorization-details export whose trust policy is hostile."""
    return {
        "UserDetailList": [],
        "GroupDetailList": [],
        "Policies": [],
        "RoleDetailList": [
            {
                "RoleName": "fuzzed",
                "RoleId": "AROAFUZZFUZZFUZZFUZZ",
                "Arn": "arn:aws:iam::111111111111:role/fuzzed",
                "Path": "/",
                "AssumeRolePolicyDocument": draw(policy_documents()),
                "RolePolicyList": [
                    {"PolicyName": "inline", "PolicyDocument": draw(policy_documents())}
                ],
                "AttachedManagedPolicies": [],
                "Tags": [],
            }
        ],
    }


def _run_parser(campaign: Campaign, examples: int) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(policy_documents())
    def case(raw: Any) -> None:
        if time.monotonic() > campaign.deadline:
            return
        try:
            with time_bound(10):
                parse_policy(raw, name="fuzz.json")
            outcome = Outcome("ok")
        except CrosstrustError as exc:
            outcome = Outcome("refused" if "fuzz.json" in str(exc) else "unnamed")
        except (Exception, MemoryError):  # noqa: BLE001 - counting what escapes
            outcome = Outcome("crash", traceback.format_exc()[-1500:])
        campaign.record(outcome, raw)

    case()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--save", type=Path, help="Folder for failing inputs.")
    parser.add_argument(
        "--memory-gb",
        type=float,
        default=4.0,
        help="Address-space cap, so a case that balloons fails as MemoryError.",
    )
    args = parser.parse_args()
    cap = int(args.memory_gb * 1024**3)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    logging.disable(logging.CRITICAL)
    started = time.monotonic()
    campaign = Campaign(started + args.minutes * 60, args.save)
    with tempfile.TemporaryDirectory() as work:
        while time.monotonic() < campaign.deadline:
            _run_parser(campaign, 200)
            _run_documents(campaign, Path(work), 200)
    elapsed = time.monotonic() - started
    print(f"inputs tried: {campaign.tried} in {elapsed:.0f} s")
    for verdict, count in sorted(campaign.verdicts.items()):
        print(f"  {verdict:8} {count}")
    print(f"distinct fault sites: {len(campaign.sites)}")
    for site, count in sorted(campaign.sites.items(), key=lambda kv: -kv[1]):
        print(f"  {count:5}  {site}  {campaign.saved.get(site, '')}")


if __name__ == "__main__":
    main()
