"""Run hostile documents through the real load → build → rules → report stages."""

from __future__ import annotations

import contextlib
import json
import signal
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph import build_graph, load_inputs
from graph.errors import CrosstrustError, MalformedExport
from queries.findings import evaluate_rules
from reports.document import build_report
from reports.render import render

SECONDS_PER_CASE = 20


class CaseTimeout(Exception):
    """One generated case ran past its time bound."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one case did: ``ok``, ``refused`` (a named project error), ``net``
    (refused by the builders' shape guard), or a fault (``crash``, ``hang``,
    ``unnamed``)."""

    verdict: str
    detail: str = ""


@contextlib.contextmanager
def time_bound(seconds: int) -> Iterator[None]:
    """Raise :class:`CaseTimeout` in the main thread after ``seconds``."""

    def expire(signum: int, frame: Any) -> None:
        signal.alarm(1)  # fire again if something swallows this one
        raise CaseTimeout(f"case ran past {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def write_case(folder: Path, name: str, data: Any) -> Path:
    """Write one JSON document as a file the loader will read."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(
        data if isinstance(data, str) else json.dumps(data), encoding="utf-8"
    )
    return path


def run_case(folder: Path, *, seconds: int = SECONDS_PER_CASE) -> Outcome:
    """Load, build, run the rules and render every format over ``folder``."""
    try:
        with time_bound(seconds):
            inventory = load_inputs([folder])
            graph = build_graph(inventory)
            evaluate_rules(graph)
            document = build_report(graph)
            for fmt in ("json", "markdown", "table"):
                text = render(document, fmt)
            json.loads(render(document, "json"))
            del text
    except CaseTimeout as exc:
        return Outcome("hang", str(exc))
    except CrosstrustError as exc:
        if str(folder) not in str(exc) and not any(
            p.name in str(exc) for p in folder.iterdir()
        ):
            return Outcome("unnamed", f"{type(exc).__name__}: {exc}"[:300])
        if isinstance(exc, MalformedExport):
            # The builder's safety net caught it: safe, but a shape to fix.
            inner = exc.__context__
            where = "".join(traceback.format_exception(inner)) if inner else ""
            return Outcome("net", f"{where[-1500:]}\n{exc}"[-1800:])
        return Outcome("refused", str(exc)[:200])
    except Exception:  # noqa: BLE001 - the point is to catch what escaped
        return Outcome("crash", traceback.format_exc()[-1500:])
    return Outcome("ok")
