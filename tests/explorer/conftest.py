"""Explorer test set-up: the app's inputs and an AppTest opened on one page."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from crosstrust.explorer import keys

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
TAGGED = Path(__file__).resolve().parent / "fixtures" / "tagged"
XSS = "<img src=x onerror=alert(1)>"


def sample_inputs() -> list[str]:
    """The bundled multi-cloud sample (what ``crosstrust explore`` opens)."""
    sample = ROOT / "sample_data"
    if not any(p.suffix == ".json" for p in sample.rglob("*")):
        pytest.skip("sample_data holds no exports")
    return [str(sample)]


OpenPage = Callable[..., AppTest]


@pytest.fixture
def open_page(monkeypatch: pytest.MonkeyPatch) -> OpenPage:
    """Run app.py on some inputs, opening on one page; returns the AppTest."""

    def run(page: str, inputs: list[str], history: str = "") -> AppTest:
        monkeypatch.setenv(keys.ENV_INPUTS, json.dumps(inputs))
        monkeypatch.setenv(keys.ENV_START_PAGE, page)
        if history:
            monkeypatch.setenv(keys.ENV_HISTORY, history)
        else:
            monkeypatch.delenv(keys.ENV_HISTORY, raising=False)
        app = AppTest.from_file(str(APP), default_timeout=60)
        return app.run()

    return run


def markdown_text(app: AppTest) -> str:
    """Everything the page rendered through Markdown-reading elements."""
    parts = [m.value for m in app.markdown]
    for kind in ("caption", "info", "warning", "error", "success", "title"):
        parts.extend(str(e.value) for e in getattr(app, kind))
    parts.extend(str(e.value) for e in app.subheader)
    return "\n".join(parts)


def all_frames_text(app: AppTest) -> str:
    return "\n".join(d.value.to_csv(index=False) for d in app.dataframe)


def step_rows(app: AppTest) -> list[tuple[int, str, str, str]]:
    """(route, source, mechanism, target) of every route-steps table shown."""
    rows = []
    for frame in (d.value for d in app.dataframe):
        if list(frame.columns)[:5] == [
            "route",
            "step",
            "source",
            "mechanism",
            "target",
        ]:
            rows.extend(
                zip(
                    frame["route"],
                    frame["source"],
                    frame["mechanism"],
                    frame["target"],
                    strict=True,
                )
            )
    return rows
