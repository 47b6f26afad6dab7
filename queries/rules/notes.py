"""Query stage: document-level observations recorded while building, as findings."""

from __future__ import annotations

from collections.abc import Iterator

from graph.model import Finding
from graph.trustgraph import TrustGraph
from queries.findings import RuleOptions, rule

REMEDIATION = {
    "policy.invalid-element": (
        "Rewrite the statement with the elements its policy type accepts; "
        "crosstrust did not read the element as a grant."
    ),
    "policy.set-operator-single-valued": (
        "Use the plain operator (StringEquals / StringLike) on single-valued "
        "keys; ForAllValues also passes when the key is missing."
    ),
    "trust.broad-principal": (
        "Grant the role to the named principals that need it, never to "
        "allUsers, allAuthenticatedUsers or a whole domain."
    ),
    "trust.oidc-unrestricted-subject": (
        "Add an attribute condition that pins the repository or workload, or "
        "bind the role to a principalSet of that attribute, not the whole pool."
    ),
    "trust.oidc-broad-subject": (
        "Replace the wildcard with the exact branch, tag or environment that deploys."
    ),
    "trust.dangling-principal": (
        "Remove the unique id from the policy: it names a deleted principal, "
        "and a re-created principal of the same name is not trusted."
    ),
}


def findings_from_notes(graph: TrustGraph, rule_id: str) -> Iterator[Finding]:
    """The policy notes of one rule, as findings."""
    for note in graph.notes:
        if note.rule != rule_id:
            continue
        yield Finding(
            note.rule,
            note.severity,
            subject=note.subject,
            evidence=(note.evidence,),
            remediation=REMEDIATION.get(rule_id, ""),
            title=note.message,
            key=f"{note.evidence.document}#{note.evidence.statement}#{note.message}",
        )


@rule("policy.invalid-element")
def invalid_element(graph: TrustGraph, options: RuleOptions) -> Iterator[Finding]:
    """An element the policy type does not accept (reported, not read)."""
    yield from findings_from_notes(graph, "policy.invalid-element")


@rule("policy.set-operator-single-valued")
def set_operator(graph: TrustGraph, options: RuleOptions) -> Iterator[Finding]:
    """ForAllValues / ForAnyValue on a single-valued key."""
    yield from findings_from_notes(graph, "policy.set-operator-single-valued")


@rule("trust.dangling-principal")
def dangling(graph: TrustGraph, options: RuleOptions) -> Iterator[Finding]:
    """A trust or binding naming a deleted principal."""
    yield from findings_from_notes(graph, "trust.dangling-principal")
