"""Render stage: a one-line title and a description for every known rule id."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RuleText:
    title: str
    description: str


CATALOG: dict[str, RuleText] = {
    "trust.external-no-external-id": RuleText(
        "Cross-account trust without external id",
        "A role trusts a principal in an account outside the organisation and no "
        "sts:ExternalId condition constrains who may use the trust.",
    ),
    "trust.broad-principal": RuleText(
        "Trust open to a broad principal",
        "A trust or impersonation grant is open to everyone, all authenticated "
        "users, a whole domain or a whole foreign account with no narrowing "
        "condition.",
    ),
    "trust.oidc-unrestricted-subject": RuleText(
        "Federated trust does not pin the subject",
        "An OIDC, workload identity or federated credential trust accepts any "
        "subject of the issuer, for example any repository of a CI service.",
    ),
    "trust.oidc-broad-subject": RuleText(
        "Federated subject wildcarded",
        "The subject names the right repository or workload but a wildcard "
        "admits every branch, pull request or environment.",
    ),
    "trust.dangling-principal": RuleText(
        "Trust names a deleted principal",
        "A trust or binding names a principal that no longer exists; it grants "
        "nothing today but shows a stale trust.",
    ),
    "trust.service-confused-deputy": RuleText(
        "Service trust without source restriction",
        "A role trusts a cloud service principal with no aws:SourceAccount or "
        "aws:SourceArn condition, so the service can be used on behalf of "
        "other customers.",
    ),
    "path.escalation-to-admin": RuleText(
        "Route to admin",
        "A principal that is not admin can obtain admin power through a route "
        "of trust edges.",
    ),
    "path.cross-account": RuleText(
        "Route into another container",
        "A principal can obtain the power of a principal in another account, "
        "project or subscription.",
    ),
    "credential.long-lived": RuleText(
        "Long-lived credential",
        "An access key, service-account key or application secret is active and "
        "older than the allowed key age.",
    ),
    "identity.stale": RuleText(
        "Unused identity",
        "An identity has not been used for longer than the staleness threshold.",
    ),
    "identity.missing-owner": RuleText(
        "Identity without ownership tags",
        "A non-human identity lacks owner, environment or expiry tags or labels.",
    ),
    "policy.invalid-element": RuleText(
        "Invalid policy element",
        "A document uses an element its policy type does not accept; the element "
        "is reported, not silently read.",
    ),
    "policy.set-operator-single-valued": RuleText(
        "Set operator on a single-valued key",
        "ForAllValues or ForAnyValue is used on a single-valued condition key, "
        "which can admit more requests than intended.",
    ),
}


def rule_text(rule_id: str) -> RuleText:
    """The catalog entry, or a plain fallback for a rule added later."""
    return CATALOG.get(rule_id) or RuleText(rule_id, f"Findings of rule {rule_id}.")
