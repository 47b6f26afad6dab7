"""The explorer in a real headless Chromium against `streamlit run app.py`."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import APP, ROOT, TAGGED, XSS

from crosstrust.explorer import keys

CHROMIUM = Path("/usr/bin/chromium")
# Set to keep a copy of the screenshots under benchmarks/out/ (runs by hand).
KEEP_ENV = "CROSSTRUST_KEEP_SCREENSHOTS"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium is missing (apt-get install -y chromium)",
    ),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_healthy(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer on {base}")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = _free_port()
    environment = dict(os.environ)
    environment[keys.ENV_INPUTS] = json.dumps([str(TAGGED)])
    environment.pop(keys.ENV_START_PAGE, None)
    environment["PYTHONPATH"] = str(ROOT)
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


def _keep(shot: Path) -> None:
    if os.environ.get(KEEP_ENV):
        out = ROOT / "benchmarks" / "out"
        out.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, out / shot.name)


def _graph_frame(page):  # noqa: ANN001, ANN202
    """The iframe whose page runs vis-network."""
    for frame in page.frames:
        if frame is not page.main_frame and frame.evaluate(
            "typeof vis !== 'undefined'"
        ):
            return frame
    raise AssertionError("no frame runs vis-network")


def test_paths_page_draws_the_route(server: str, browser, tmp_path: Path) -> None:  # noqa: ANN001
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{server}/paths")

    page.get_by_text("1 route to any admin.").wait_for(timeout=60_000)
    page.locator("iframe").first.wait_for(timeout=30_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('iframe')].some(f => "
        "f.contentWindow && f.contentWindow.network && "
        "f.contentWindow.network.body.nodeIndices.length === 2)",
        timeout=30_000,
    )
    frame = _graph_frame(page)
    drawn = frame.evaluate("network.body.nodeIndices.slice().sort()")
    shot = tmp_path / "explorer-paths.png"
    page.screenshot(path=str(shot), full_page=True)
    _keep(shot)

    source = page.get_by_label("Source principal (type to search)").input_value()
    target = page.get_by_label("Target principal, or any admin (type to search)")
    assert "Paths" in page.inner_text("body")
    assert source == "arn:aws:iam::111111111111:role/deployer"
    assert target.input_value() == "any admin"
    assert drawn == [
        "arn:aws:iam::111111111111:role/admin",
        "arn:aws:iam::111111111111:role/deployer",
    ]
    assert frame.locator("canvas").count() == 1
    assert dialogs == []
    assert [u for u in requested if not u.startswith((server, "data:", "about:"))] == []
    page.close()


def test_markup_name_shows_as_text(server: str, browser, tmp_path: Path) -> None:  # noqa: ANN001
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{server}/principal")
    page.get_by_text("Trust policy").wait_for(timeout=60_000)

    picker = page.get_by_label("Principal (type to search)")
    picker.click()
    page.keyboard.type("onerror")
    page.keyboard.press("Enter")
    page.get_by_text(f"arn:aws:iam::aws:user/{XSS}").first.wait_for(timeout=30_000)
    shot = tmp_path / "explorer-principal-markup.png"
    page.screenshot(path=str(shot), full_page=True)
    _keep(shot)

    assert page.locator("img[src='x']").count() == 0
    assert dialogs == []
    page.close()
