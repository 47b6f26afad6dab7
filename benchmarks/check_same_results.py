"""Benchmark guard: prove a faster build yields byte-identical graphs and findings.

Run ``python3 benchmarks/check_same_results.py --save REFDIR INPUT...`` once on
the code you trust, then ``python3 benchmarks/check_same_results.py REFDIR
INPUT...`` after each change; it exits non-zero naming the first input whose
node-link JSON or finding list differs from the saved reference.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.build import build_graph  # noqa: E402
from graph.load import load_inputs  # noqa: E402
from graph.trustgraph import TrustGraph  # noqa: E402
from queries.findings import evaluate_rules  # noqa: E402


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def node_link_text(graph: TrustGraph) -> str:
    """The node-link JSON with nodes, links and graph lists in a stable order."""
    data = graph.to_node_link()
    data["nodes"] = sorted(data["nodes"], key=_canonical)
    data["links"] = sorted(data["links"], key=_canonical)
    data["graph"] = {k: sorted(v, key=_canonical) for k, v in data["graph"].items()}
    return "\n".join(
        [
            _canonical({k: v for k, v in data.items() if k not in ("nodes", "links")}),
            *(_canonical(n) for n in data["nodes"]),
            *(_canonical(e) for e in data["links"]),
        ]
    )


def findings_text(graph: TrustGraph) -> str:
    """One ``fingerprint rule subject`` line per finding, sorted."""
    rows = sorted(
        f"{f.fingerprint} {f.rule} {f.subject}" for f in evaluate_rules(graph)
    )
    return "\n".join(rows)


def _slug(folder: Path) -> str:
    # Named by the path as given, so a checkout elsewhere finds the same
    # reference for a relative input such as sample_data.
    return f"{folder.name}-{hashlib.sha256(str(folder).encode()).hexdigest()[:8]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("refdir", type=Path)
    parser.add_argument("inputs", type=Path, nargs="+")
    parser.add_argument("--save", action="store_true", help="write the references")
    args = parser.parse_args()
    args.refdir.mkdir(parents=True, exist_ok=True)
    same = True
    for folder in args.inputs:
        graph = build_graph(load_inputs([folder]))
        for kind, text in (
            ("graph", node_link_text(graph)),
            ("findings", findings_text(graph)),
        ):
            reference = args.refdir / f"{_slug(folder)}.{kind}.txt"
            if args.save:
                reference.write_text(text)
                status = "saved"
            elif not reference.exists():
                status = f"MISSING {reference}"
                same = False
            elif reference.read_text() == text:
                status = "same"
            else:
                status = "DIFFERENT"
                same = False
            sys.stdout.write(f"{folder} {kind}: {status} ({len(text)} chars)\n")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
