"""Read-only questions over a built trust graph: routes, findings, KPIs."""

from queries.findings import RuleOptions, evaluate_rules
from queries.paths import (
    Route,
    principals_reaching_admin,
    reachable_from,
    routes_between,
    routes_to_admin,
    who_can_reach,
)

__all__ = [
    "Route",
    "RuleOptions",
    "evaluate_rules",
    "principals_reaching_admin",
    "reachable_from",
    "routes_between",
    "routes_to_admin",
    "who_can_reach",
]
