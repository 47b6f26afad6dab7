"""Render the sample report to HTML and screenshot it with headless Chromium.

Not a test: a way to look at the report as a reader sees it.

    python3 benchmarks/render_report.py [INPUT...] [--out-dir benchmarks/out]

Without INPUT it uses every cloud folder of ``sample_data`` that holds files,
or else the AWS export of the shared corpus.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crosstrust import load_graph  # noqa: E402
from queries.findings import RuleOptions  # noqa: E402
from reports.document import build_report  # noqa: E402
from reports.render import render  # noqa: E402

logger = logging.getLogger("render_report")

CHROMIUM = "/usr/bin/chromium"
CORPUS_EXPORT = (
    ROOT.parent
    / "shared"
    / "corpus"
    / "aws"
    / "cloudsplaining_example_iam-vulnerable-deployment.authz.json"
)


def default_inputs() -> list[Path]:
    samples = [
        folder
        for folder in sorted((ROOT / "sample_data").glob("*"))
        if folder.is_dir() and any(p.is_file() for p in folder.rglob("*.json*"))
    ]
    return samples or [CORPUS_EXPORT]


def screenshot(html: Path, png: Path, *, width: int = 1280, height: int = 2400) -> None:
    """Headless Chromium, no network, one full-width screenshot."""
    chromium = shutil.which("chromium") or CHROMIUM
    command = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--hide-scrollbars",
        f"--screenshot={png}",
        f"--window-size={width},{height}",
        html.resolve().as_uri(),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="*", type=Path)
    parser.add_argument("--out-dir", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--height", type=int, default=2400)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    inputs = args.inputs or default_inputs()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    document = build_report(load_graph(*inputs), RuleOptions())
    built = time.perf_counter()
    html = args.out_dir / "report.html"
    html.write_text(render(document, "html"), encoding="utf-8")
    rendered = time.perf_counter()
    logger.info(
        "%s: %d findings; load+rules %.2f s, html %.3f s, %d bytes -> %s",
        ", ".join(map(str, inputs)),
        len(document.findings),
        built - started,
        rendered - built,
        html.stat().st_size,
        html,
    )

    png = args.out_dir / "report.png"
    screenshot(html, png, height=args.height)
    logger.info("screenshot %.2f s -> %s", time.perf_counter() - rendered, png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
