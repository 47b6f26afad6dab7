"""Collect stage: one progress bar per phase on stderr, silent off a terminal."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tqdm import tqdm


class PhaseBar:
    """A thread-safe counter for one phase; a no-op when display is off."""

    def __init__(self, bar: tqdm | None) -> None:
        self._bar = bar
        self._lock = threading.Lock()

    def advance(self, count: int = 1) -> None:
        if self._bar is not None:
            with self._lock:
                self._bar.update(count)

    def grow(self, count: int) -> None:
        """Raise the total when a phase learns of more work on the way."""
        if self._bar is not None and count:
            with self._lock:
                self._bar.total = (self._bar.total or 0) + count
                self._bar.refresh()


class Progress:
    """Progress display for a collection; off with ``quiet`` or without a TTY."""

    def __init__(self, *, quiet: bool = False, enabled: bool | None = None) -> None:
        if enabled is None:
            enabled = sys.stderr.isatty()
        self.enabled = enabled and not quiet

    @contextmanager
    def phase(self, name: str, total: int | None = None) -> Iterator[PhaseBar]:
        if not self.enabled:
            yield PhaseBar(None)
            return
        bar = tqdm(total=total, desc=name, unit="", file=sys.stderr, leave=True)
        try:
            yield PhaseBar(bar)
        finally:
            bar.close()
