"""How far a federated credential's subject reaches."""

from __future__ import annotations

import pytest

from graph.azure.federation import (
    Reach,
    parse_credential,
    subject_node_id,
    subject_reach,
)

GITHUB = "https://token.actions.githubusercontent.com"
AKS = "https://oidc.prod-aks.azure.com/tenant/issuer/"


@pytest.mark.parametrize(
    ("issuer", "subject", "reach"),
    [
        (GITHUB, "repo:o/r:ref:refs/heads/main", Reach.PINNED),
        (GITHUB, "repo:o/r:environment:prod", Reach.PINNED),
        (GITHUB, "repo:o/r:ref:refs/tags/v1", Reach.PINNED),
        (GITHUB, "repo:o/r:pull_request", Reach.BROAD),
        (GITHUB, "repo:o/r:ref:refs/heads/*", Reach.BROAD),
        (GITHUB, "repo:o/r:environment:*", Reach.BROAD),
        (GITHUB, "repo:o/r", Reach.UNPINNED_CONTEXT),
        (GITHUB, "repo:o/r:*", Reach.UNPINNED_CONTEXT),
        (GITHUB, "repo:o/*", Reach.ANY),
        (GITHUB, "repository_owner:o", Reach.ANY),
        (GITHUB, "*", Reach.ANY),
        (AKS, "system:serviceaccount:ns:sa", Reach.PINNED),
        (AKS, "system:serviceaccount:ns:*", Reach.BROAD),
        (AKS, "system:*", Reach.ANY),
    ],
)
def test_subject_reach(issuer: str, subject: str, reach: Reach) -> None:
    assert subject_reach(issuer, subject) is reach


def test_subject_node_id_follows_the_aws_convention() -> None:
    node_id = subject_node_id(AKS, "system:serviceaccount:ns:sa")

    assert (
        node_id
        == "oidc:oidc.prod-aks.azure.com/tenant/issuer:system:serviceaccount:ns:sa"
    )


@pytest.mark.parametrize(
    ("expression", "subjects", "parsed"),
    [
        (
            "claims['sub'] matches 'repo:o/r:ref:refs/heads/*'",
            ("repo:o/r:ref:refs/heads/*",),
            True,
        ),
        (
            "claims['sub'] eq 'repo:o/r:environment:a'"
            " or claims['sub'] eq 'repo:o/r:environment:b'",
            ("repo:o/r:environment:a", "repo:o/r:environment:b"),
            True,
        ),
        (
            "claims['sub'] matches 'repo:o/*'"
            " and claims['job_workflow_ref'] matches 'o/r/*'",
            ("repo:o/*",),
            False,
        ),
    ],
)
def test_flexible_expressions(
    expression: str, subjects: tuple[str, ...], parsed: bool
) -> None:
    item = {
        "name": "flex",
        "properties": {
            "issuer": GITHUB,
            "audiences": ["api://AzureADTokenExchange"],
            "claimsMatchingExpression": {"value": expression, "languageVersion": 1},
        },
    }

    credential = parse_credential(item, "parent")

    assert (credential.subjects, credential.parsed) == (subjects, parsed)
