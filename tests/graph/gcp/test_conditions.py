"""IAM Conditions are decided offline only when time alone decides them."""

from datetime import UTC, datetime

import pytest

from graph.gcp.conditions import evaluate_condition
from graph.model import Verdict

NOW = datetime(2026, 12, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "verdict"),
    [
        ('request.time < timestamp("2024-01-01T00:00:00Z")', Verdict.NEVER),
        ('request.time <= timestamp("2026-01-01T00:00:00.000Z")', Verdict.NEVER),
        ('request.time < timestamp("2030-01-01T00:00:00Z")', Verdict.DEPENDS),
        ('request.time > timestamp("2024-01-01T00:00:00Z")', Verdict.ALWAYS),
        (
            'request.time > timestamp("2024-01-01T00:00:00Z") && '
            'request.time < timestamp("2025-01-01T00:00:00Z")',
            Verdict.NEVER,
        ),
        (
            'request.time < timestamp("2024-01-01T00:00:00Z") || '
            'resource.name.startsWith("projects/p")',
            Verdict.DEPENDS,
        ),
        ('resource.name.startsWith("projects/_/buckets/b")', Verdict.DEPENDS),
        ('request.time < timestamp("not a time")', Verdict.DEPENDS),
    ],
)
def test_verdict(expression: str, verdict: Verdict) -> None:
    condition = evaluate_condition({"title": "t", "expression": expression}, now=NOW)
    assert condition is not None
    assert condition.verdict is verdict
    assert condition.note == expression


def test_no_condition_is_none() -> None:
    assert evaluate_condition(None) is None
