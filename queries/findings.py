"""Query stage: the rule registry and the run of every rule over a graph."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from graph.model import Finding, Severity
from graph.trustgraph import TrustGraph

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RuleOptions:
    """Thresholds and names the rules read; one object, not loose flags."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    stale_days: int = 90
    key_age_days: int = 90
    owner_tags: tuple[str, ...] = ("owner",)
    backup_owner_tags: tuple[str, ...] = ("backup-owner", "backup_owner")
    environment_tags: tuple[str, ...] = ("environment", "env")
    expiry_tags: tuple[str, ...] = ("expiry", "expires")
    production_values: tuple[str, ...] = ("prod", "production")
    max_session_seconds: int = 43200


RuleFunc = Callable[[TrustGraph, RuleOptions], Iterable[Finding]]

RULES: dict[str, RuleFunc] = {}


def rule(rule_id: str) -> Callable[[RuleFunc], RuleFunc]:
    """Register a rule function under its stable id (one per id)."""

    def register(func: RuleFunc) -> RuleFunc:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id!r} registered twice")
        RULES[rule_id] = func
        return func

    return register


def evaluate_rules(
    graph: TrustGraph,
    options: RuleOptions | None = None,
    *,
    min_severity: Severity = Severity.INFO,
) -> list[Finding]:
    """Run every registered rule; findings sorted worst first, deduplicated.

    Examples
    --------
    >>> from crosstrust import load_graph
    >>> findings = evaluate_rules(load_graph("sample_data/aws"))
    >>> "trust.broad-principal" in {f.rule for f in findings}
    True
    """
    import queries.rules  # noqa: F401  (registers the rule modules)

    options = options or RuleOptions()
    seen: dict[str, Finding] = {}
    for rule_id, func in RULES.items():
        for finding in func(graph, options):
            if finding.severity.rank >= min_severity.rank:
                seen.setdefault(finding.fingerprint, finding)
        logger.debug("rule %s done", rule_id)
    return sorted(
        seen.values(),
        key=lambda f: (-f.severity.rank, f.rule, f.subject, f.path),
    )
