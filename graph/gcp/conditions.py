"""Graph stage, GCP: judge IAM Conditions on bindings offline where possible."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from graph.model import Condition, Verdict

_TIME_CLAUSE = re.compile(
    r"""^\(?\s*request\.time\s*(<=|<|>=|>)\s*
        timestamp\(\s*["']([^"']+)["']\s*\)\s*\)?$""",
    re.VERBOSE,
)


def evaluate_condition(
    condition: dict[str, Any] | None,
    *,
    now: datetime | None = None,
) -> Condition | None:
    """Parse a binding's ``condition``; None when the binding has none.

    Only a conjunction of ``request.time`` comparisons is decided offline:
    an expired upper bound never holds, a past lower bound always holds.
    Anything else depends on the request and keeps the edge conditional.
    """
    if not isinstance(condition, dict):
        return None
    expression = str(condition.get("expression", "")).strip()
    title = str(condition.get("title", "")) or "condition"
    verdict = _judge(expression, now or datetime.now(UTC))
    return Condition(
        operator="iam-condition",
        key=title,
        values=(expression,),
        verdict=verdict,
        note=expression,
    )


def _judge(expression: str, now: datetime) -> Verdict:
    if not expression or "||" in expression:
        return Verdict.DEPENDS
    verdicts = [_judge_clause(part.strip(), now) for part in expression.split("&&")]
    if Verdict.NEVER in verdicts:
        return Verdict.NEVER
    if all(v is Verdict.ALWAYS for v in verdicts):
        return Verdict.ALWAYS
    return Verdict.DEPENDS


def _judge_clause(clause: str, now: datetime) -> Verdict:
    match = _TIME_CLAUSE.match(clause)
    if match is None:
        return Verdict.DEPENDS
    operator, stamp = match.groups()
    moment = parse_time(stamp)
    if moment is None or moment > now:
        return Verdict.DEPENDS
    # The bound lies in the past: an upper bound has expired, a lower one holds.
    return Verdict.NEVER if operator.startswith("<") else Verdict.ALWAYS


def parse_time(text: str) -> datetime | None:
    """RFC 3339 timestamp to an aware datetime; None when unreadable."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
