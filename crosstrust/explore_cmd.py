"""The command line: ``crosstrust explore`` opens the Streamlit explorer on inputs."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import click

from crosstrust.explorer import keys

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
# The router is the Streamlit script; app.py at the top level only calls it.
ROUTER = Path(__file__).resolve().parent / "explorer" / "router.py"


def streamlit_command(*, address: str, port: int, headless: bool) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROUTER),
        "--server.address",
        address,
        "--server.port",
        str(port),
        "--server.headless",
        "true" if headless else "false",
        "--server.maxUploadSize",
        str(keys.MAX_UPLOAD_MB),
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]


def explorer_environment(
    inputs: list[Path],
    history: Path | None,
    page: str,
) -> dict[str, str]:
    """The environment app.py reads: inputs, history file, first page."""
    environment = dict(os.environ)
    environment[keys.ENV_INPUTS] = json.dumps([str(p.resolve()) for p in inputs])
    environment[keys.ENV_START_PAGE] = page
    if history is not None:
        environment[keys.ENV_HISTORY] = str(history.resolve())
    # Streamlit puts the script's folder on sys.path, not the package root.
    known = environment.get("PYTHONPATH", "")
    environment["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PACKAGE_ROOT), known) if p
    )
    return environment


@click.command()
@click.argument("inputs", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--history",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Report-history SQLite file (from `crosstrust report --history`) for trends.",
)
@click.option(
    "--page", type=click.Choice(keys.PAGE_NAMES), default="overview", show_default=True
)
@click.option("--address", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8501, show_default=True)
@click.option("--headless", is_flag=True, help="Do not open a browser.")
def explore(
    inputs: tuple[Path, ...],
    history: Path | None,
    page: str,
    address: str,
    port: int,
    headless: bool,
) -> None:
    """Open the explorer on snapshot folders, exports or zips (default: the sample).

    The explorer also takes uploads of exports or a snapshot zip, up to
    200 MB in total.
    """
    chosen = list(inputs)
    if not chosen:
        if not keys.SAMPLE_DATA.is_dir():
            raise click.UsageError("no INPUT given and no bundled sample_data found")
        chosen = [keys.SAMPLE_DATA]
    missing = [m for m in ("streamlit", "pyvis") if importlib.util.find_spec(m) is None]
    if missing:
        click.echo(
            f"error: the explorer needs {' and '.join(missing)}: "
            "pip install 'crosstrust[explorer]'",
            err=True,
        )
        sys.exit(2)
    command = streamlit_command(address=address, port=port, headless=headless)
    click.echo(f"explorer on http://{address}:{port} (Ctrl-C stops it)", err=True)
    # Streamlit replaces this process, so signals reach it directly.
    os.execve(sys.executable, command, explorer_environment(chosen, history, page))
