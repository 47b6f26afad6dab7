"""Render stage: the report document arranged for reading (HTML and Markdown).

Findings are grouped by severity, then by rule; each route is spelled out
as trust-edge steps with their mechanism; the scorecard is a list of tiles.
Values here are plain text: escaping is the renderer's job.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graph.model import Condition, CoverageGap, Finding, Severity, TrustEdge
from reports.baseline import PastFinding
from reports.catalog import rule_text
from reports.document import ReportDocument, SuppressedFinding
from reports.suppressions import Suppression


@dataclass(frozen=True, slots=True)
class Step:
    """One trust edge of a route."""

    source: str
    mechanism: str
    target: str
    conditions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FindingView:
    rule: str
    severity: str
    status: str
    subject: str
    subject_name: str
    tier: str
    title: str
    steps: tuple[Step, ...]
    evidence: tuple[str, ...]
    remediation: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class RuleGroup:
    rule: str
    title: str
    description: str
    findings: tuple[FindingView, ...]


@dataclass(frozen=True, slots=True)
class SeverityGroup:
    severity: str
    count: int
    rules: tuple[RuleGroup, ...]


@dataclass(frozen=True, slots=True)
class Tile:
    """One scorecard number with the line that explains it."""

    label: str
    value: str
    detail: str


@dataclass(frozen=True, slots=True)
class SuppressionView:
    suppression: Suppression
    target: str
    matched: int


@dataclass(frozen=True, slots=True)
class RegisterRow:
    """One entry of the external trust register, with display names."""

    party: str
    party_name: str
    party_kind: str
    target: str
    target_name: str
    mechanism: str
    conditions: str
    evidence: str


@dataclass(frozen=True, slots=True)
class ReportView:
    generated_at: str
    baseline: str
    changes: Mapping[str, int]
    tiles: tuple[Tile, ...]
    split_rows: tuple[tuple[str, str, str], ...]
    tier_rows: tuple[tuple[str, int], ...]
    external_accounts: tuple[tuple[str, int, int], ...]
    groups: tuple[SeverityGroup, ...]
    total: int
    resolved: tuple[PastFinding, ...]
    suppressed: tuple[tuple[FindingView, Suppression], ...]
    suppressions: tuple[SuppressionView, ...]
    expired: tuple[SuppressionView, ...]
    coverage: tuple[CoverageGap, ...]
    register: tuple[RegisterRow, ...]


TIER_LABELS = {
    "human": "human operator",
    "automation": "automation (CI/CD)",
    "workload": "runtime workload",
    "break_glass": "break-glass",
    "unclassified": "unclassified",
}


def percent(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio * 100:.0f}%"


def condition_text(condition: Condition) -> str:
    values = ", ".join(condition.values)
    text = f"{condition.operator} {condition.key} = {values} ({condition.verdict})"
    return f"{text}: {condition.note}" if condition.note else text


def steps_of(finding: Finding, document: ReportDocument) -> tuple[Step, ...]:
    """The route as steps; path nodes without edge data show mechanism '?'."""
    edges: dict[tuple[str, str], TrustEdge] = {
        (e.source, e.target): e for e in finding.edges
    }
    steps = []
    for source, target in itertools.pairwise(finding.path):
        edge = edges.get((source, target))
        steps.append(
            Step(
                source=document.name_of(source),
                mechanism=str(edge.mechanism) if edge else "?",
                target=document.name_of(target),
                conditions=tuple(condition_text(c) for c in edge.conditions)
                if edge
                else (),
            )
        )
    return tuple(steps)


def finding_view(finding: Finding, document: ReportDocument) -> FindingView:
    return FindingView(
        rule=finding.rule,
        severity=str(finding.severity),
        status=str(document.status_of(finding)),
        subject=finding.subject,
        subject_name=document.name_of(finding.subject),
        tier=document.tiers.get(finding.subject, ""),
        title=finding.title or rule_text(finding.rule).title,
        steps=steps_of(finding, document),
        evidence=tuple(str(e) for e in finding.evidence),
        remediation=finding.remediation,
        fingerprint=finding.fingerprint,
    )


def _groups(document: ReportDocument) -> tuple[SeverityGroup, ...]:
    groups = []
    for severity in sorted(Severity, key=lambda s: -s.rank):
        mine = [f for f in document.findings if f.severity is severity]
        if not mine:
            continue
        rules = []
        for rule_id in sorted({f.rule for f in mine}):
            text = rule_text(rule_id)
            views = tuple(finding_view(f, document) for f in mine if f.rule == rule_id)
            rules.append(RuleGroup(rule_id, text.title, text.description, views))
        groups.append(SeverityGroup(str(severity), len(mine), tuple(rules)))
    return tuple(groups)


def _tiles(kpis: Mapping[str, Any], changes: Mapping[str, int]) -> tuple[Tile, ...]:
    route = kpis["route_to_admin"]
    static = kpis["static_credential_ratio"]
    mfa = kpis["mfa_coverage_privileged_humans"]
    backlog = kpis["unused_identity_backlog"]
    external = kpis["external_trusts_by_account"]
    machines = static["non_human"]
    return (
        Tile(
            "Principals with a route to admin",
            str(kpis["principals_with_route_to_admin"]),
            f"human {route['human']} · non-human {route['non_human']}",
        ),
        Tile(
            "Static credential ratio (non-human)",
            percent(machines["ratio"]),
            f"{machines['with_active_keys']} of {machines['identities']} non-human "
            f"identities hold active keys; humans "
            f"{static['human']['with_active_keys']} of {static['human']['identities']}",
        ),
        Tile(
            "MFA coverage of privileged humans",
            percent(mfa["ratio"]),
            f"{mfa['with_mfa']} with, {mfa['without_mfa']} without, "
            f"{mfa['unknown']} federated or unknown",
        ),
        Tile(
            "Unused identity backlog",
            str(backlog["human"]["total"] + backlog["non_human"]["total"]),
            f"human {backlog['human']['total']} · non-human "
            f"{backlog['non_human']['total']} · break-glass exempt "
            f"{backlog['break_glass_excluded']['total']}",
        ),
        Tile(
            "Risky trust policies",
            str(kpis["risky_trust_policies"]),
            "roles whose trust policy has a trust.* finding",
        ),
        Tile(
            "Third-party accounts trusted",
            str(len(external)),
            f"{sum(e['trusts'] for e in external.values())} trusts in the register",
        ),
        Tile(
            "New findings",
            str(changes["new"]),
            f"{changes['unchanged']} unchanged · {changes['resolved']} resolved · "
            f"{changes['suppressed']} suppressed",
        ),
    )


def _split_rows(kpis: Mapping[str, Any]) -> tuple[tuple[str, str, str], ...]:
    """Human and non-human identities side by side."""
    static = kpis["static_credential_ratio"]
    route = kpis["route_to_admin"]
    backlog = kpis["unused_identity_backlog"]
    rows = [
        (
            "identities",
            static["human"]["identities"],
            static["non_human"]["identities"],
        ),
        (
            "with active long-lived keys",
            static["human"]["with_active_keys"],
            static["non_human"]["with_active_keys"],
        ),
        ("route to admin", route["human"], route["non_human"]),
        ("unused, total", backlog["human"]["total"], backlog["non_human"]["total"]),
        (
            "unused, never used",
            backlog["human"]["never_used"],
            backlog["non_human"]["never_used"],
        ),
    ]
    for bucket in ("under_180_days", "180_to_365_days", "over_365_days", "age_unknown"):
        label = "unused, " + bucket.replace("_", " ")
        rows.append((label, backlog["human"][bucket], backlog["non_human"][bucket]))
    return tuple((label, str(h), str(n)) for label, h, n in rows)


def _suppression_views(
    suppressions: list[Suppression],
    suppressed: list[SuppressedFinding],
) -> tuple[SuppressionView, ...]:
    views = []
    for suppression in suppressions:
        target = (
            suppression.fingerprint or f"{suppression.rule} on {suppression.subject}"
        )
        matched = sum(1 for s in suppressed if s.suppression is suppression)
        views.append(SuppressionView(suppression, target, matched))
    return tuple(views)


def report_view(document: ReportDocument) -> ReportView:
    """Arrange ``document`` for the HTML and Markdown templates."""
    kpis = document.kpis
    changes = document.changes()
    register = tuple(
        RegisterRow(
            party=t.party,
            party_name=document.name_of(t.party),
            party_kind=t.party_kind,
            target=t.target,
            target_name=document.name_of(t.target),
            mechanism=t.mechanism,
            conditions="; ".join(condition_text(c) for c in t.conditions) or "none",
            evidence="; ".join(str(e) for e in t.evidence),
        )
        for t in document.register
    )
    return ReportView(
        generated_at=document.generated_at,
        baseline=document.baseline,
        changes=changes,
        tiles=_tiles(kpis, changes),
        split_rows=_split_rows(kpis),
        tier_rows=tuple(
            (TIER_LABELS.get(tier, tier), count)
            for tier, count in kpis["identities_by_tier"].items()
        ),
        external_accounts=tuple(
            (account, row["trusts"], row["targets"])
            for account, row in kpis["external_trusts_by_account"].items()
        ),
        groups=_groups(document),
        total=len(document.findings),
        resolved=tuple(document.resolved),
        suppressed=tuple(
            (finding_view(s.finding, document), s.suppression)
            for s in document.suppressed
        ),
        suppressions=_suppression_views(document.suppressions, document.suppressed),
        expired=_suppression_views(document.expired_suppressions, []),
        coverage=tuple(document.coverage),
        register=register,
    )
