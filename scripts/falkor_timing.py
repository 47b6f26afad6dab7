"""Time pushing a synthetic organisation into an embedded FalkorDB, and the pack.

Usage: python3 scripts/falkor_timing.py [ACCOUNTS] [ROLES_PER_ACCOUNT]
(needs the venv of scripts/falkor_env.sh; prints one JSON document).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from queries.cypher.twins import comparable, networkx_rows  # noqa: E402
from tests.queries.synthetic_org import synthetic_org  # noqa: E402


def main(argv: list[str]) -> int:
    accounts = int(argv[0]) if argv else 100
    roles = int(argv[1]) if len(argv) > 1 else 40
    graph = synthetic_org(accounts=accounts, roles_per_account=roles)
    python = subprocess.run(
        ["bash", str(ROOT / "scripts" / "falkor_env.sh")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()

    with tempfile.TemporaryDirectory() as folder:
        graph_file = Path(folder) / "org.json"
        graph_file.write_text(json.dumps(graph.to_node_link()))
        plain = ["routes_to_admin", "cross_account", "broad_principal"]
        admin = sorted(graph.admins())[0]
        job = {
            "graphs": {
                "org": {
                    "graph": str(graph_file),
                    "questions": [[name, {}] for name in plain]
                    + [["who_can_reach", {"target": admin}]],
                }
            }
        }
        (Path(folder) / "job.json").write_text(json.dumps(job))
        subprocess.run(
            [python, str(ROOT / "scripts" / "falkor_check.py"), "job.json", "out.json"],
            cwd=folder,
            check=True,
        )
        result = json.loads((Path(folder) / "out.json").read_text())["org"]

    report = {
        "nodes": len(graph),
        "edges": graph.nx.number_of_edges(),
        "push": result["push"],
        "repush": result["repush"],
        "queries": {a["name"]: a["seconds"] for a in result["answers"]},
        "equal_to_networkx": {
            a["name"]: comparable(a["name"], a["rows"])
            == comparable(a["name"], networkx_rows(graph, a["name"], a["params"]))
            for a in result["answers"]
        },
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
