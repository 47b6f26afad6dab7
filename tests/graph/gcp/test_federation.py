"""Which workload identity providers admit every workload of their issuer."""

import pytest

from graph.gcp.estate import Provider
from graph.gcp.federation import is_open

GITHUB = "https://token.actions.githubusercontent.com"


def provider(
    condition: str, issuer: str = GITHUB, *, disabled: bool = False
) -> Provider:
    return Provider(
        name="projects/1/locations/global/workloadIdentityPools/p/providers/x",
        pool="projects/1/locations/global/workloadIdentityPools/p",
        issuer=issuer,
        attribute_condition=condition,
        attribute_mapping={"google.subject": "assertion.sub"},
        disabled=disabled,
        document="providers.json",
    )


@pytest.mark.parametrize(
    ("condition", "issuer", "expected"),
    [
        ("", GITHUB, True),
        ("", "https://idp.example.com", True),
        ("true", GITHUB, True),
        ("assertion.ref == 'refs/heads/main'", GITHUB, True),
        ("assertion.repository == 'example-org/app'", GITHUB, False),
        ("assertion.repository_owner == 'example-org'", GITHUB, False),
        ("attribute.repository == 'example-org/app'", GITHUB, False),
        ("assertion.project_path == 'group/app'", "https://gitlab.com", False),
        ("true", "https://idp.example.com", False),
    ],
)
def test_is_open(condition: str, issuer: str, expected: bool) -> None:
    assert is_open(provider(condition, issuer)) is expected


def test_disabled_provider_admits_nobody() -> None:
    assert not is_open(provider("", disabled=True))
