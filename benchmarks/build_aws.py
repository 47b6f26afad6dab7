"""Benchmark: time load, build, rules and the admin query on a synthetic organisation.

Run ``python3 benchmarks/build_aws.py --accounts 100 --roles 200``; add
``--profile`` to print the top of a cProfile of the build stage, and
``--keep DIR`` to write (or reuse) the exports in DIR.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.synthetic_org import OrgShape, write_organization  # noqa: E402
from graph.build import build_graph  # noqa: E402
from graph.load import load_inputs  # noqa: E402
from queries.findings import evaluate_rules  # noqa: E402
from queries.paths import principals_reaching_admin  # noqa: E402

T = TypeVar("T")


def _timed(label: str, timings: dict[str, float], func: Callable[[], T]) -> T:
    started = time.perf_counter()
    result = func()
    timings[label] = time.perf_counter() - started
    return result


def _peak_mib() -> float:
    # ru_maxrss is KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _profile(func: Callable[[], Any], lines: int) -> str:
    profiler = cProfile.Profile()
    profiler.runcall(func)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(lines)
    return out.getvalue()


def run(shape: OrgShape, folder: Path, *, profile: bool) -> dict[str, Any]:
    """Generate (unless present), load, build, run rules; return the figures."""
    timings: dict[str, float] = {}
    if not any(folder.glob("*.authz.json")):
        _timed("generate", timings, lambda: write_organization(shape, folder))
    inventory = _timed("load", timings, lambda: load_inputs([folder]))
    graph = _timed("build", timings, lambda: build_graph(inventory))
    reaching = _timed("reach_admin", timings, lambda: principals_reaching_admin(graph))
    findings = _timed("rules", timings, lambda: evaluate_rules(graph))
    figures: dict[str, Any] = {
        "accounts": shape.accounts,
        "roles": shape.accounts * shape.roles,
        "nodes": len(graph),
        "edges": graph.nx.number_of_edges(),
        "admins": len(graph.admins()),
        "reaching_admin": len(reaching),
        "findings": len(findings),
        "coverage_gaps": len(graph.coverage),
        **{f"{k}_s": round(v, 2) for k, v in timings.items()},
        "peak_rss_mib": round(_peak_mib(), 1),
    }
    if profile:
        figures["profile"] = _profile(lambda: build_graph(inventory), 30)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--roles", type=int, default=200, help="roles per account")
    parser.add_argument("--keep", type=Path, help="write or reuse exports here")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    shape = OrgShape(args.accounts, args.roles)
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        figures = run(shape, folder, profile=args.profile)
    profile = figures.pop("profile", "")
    for key, value in figures.items():
        sys.stdout.write(f"{key:16} {value}\n")
    sys.stdout.write(profile)


if __name__ == "__main__":
    main()
