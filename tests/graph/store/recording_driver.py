"""Test helper: a Neo4j driver stand-in that records each transaction's statements.

It proves nothing about answers; it shows how a push batches its writes.
"""

from __future__ import annotations

from typing import Any


class RecordingTx:
    def __init__(self, driver: RecordingDriver) -> None:
        self.driver = driver
        self.statements: list[tuple[str, dict[str, Any]]] = []

    def run(self, text: str, params: dict[str, Any]) -> list[list[int]]:
        self.statements.append((text, params))
        if "removed" in text:
            return [[self.driver.prune_counts.pop(0)]]
        return _Consumable()


class _Consumable(list):  # type: ignore[type-arg]
    def consume(self) -> None:
        return None


class _Record:
    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row

    def data(self) -> dict[str, Any]:
        return dict(self.row)


class RecordingSession:
    def __init__(self, driver: RecordingDriver) -> None:
        self.driver = driver

    def __enter__(self) -> RecordingSession:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def run(self, text: str, params: dict[str, Any] | None = None) -> _Consumable:
        self.driver.auto_commit.append(text)
        self.driver.read_params.append(params)
        return _Consumable(_Record(row) for row in self.driver.rows)

    def execute_write(self, func: Any, *args: Any) -> Any:
        tx = RecordingTx(self.driver)
        result = func(tx, *args)
        self.driver.transactions.append(tx.statements)
        return result


class RecordingDriver:
    def __init__(self, prune_counts: list[int] | None = None) -> None:
        self.auto_commit: list[str] = []
        self.transactions: list[list[tuple[str, dict[str, Any]]]] = []
        self.databases: list[str | None] = []
        self.prune_counts = list(prune_counts or [])
        self.closed = False
        self.rows: list[dict[str, Any]] = []
        self.read_params: list[dict[str, Any] | None] = []

    def close(self) -> None:
        self.closed = True

    def session(self, database: str | None = None) -> RecordingSession:
        self.databases.append(database)
        return RecordingSession(self)
