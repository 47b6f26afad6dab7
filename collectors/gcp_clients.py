"""Collect stage, GCP: the official API clients one collection uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import google.auth
from google.auth.exceptions import DefaultCredentialsError, GoogleAuthError
from google.cloud import asset_v1, iam_admin_v1, iam_v2, resourcemanager_v3

from collectors import CollectError

CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"


@dataclass(frozen=True, slots=True)
class GcpClients:
    """One client per API; ``caller`` names the identity, never its secret."""

    organizations: resourcemanager_v3.OrganizationsClient
    folders: resourcemanager_v3.FoldersClient
    projects: resourcemanager_v3.ProjectsClient
    asset: asset_v1.AssetServiceClient
    iam: iam_admin_v1.IAMClient
    deny: iam_v2.PoliciesClient
    caller: str = ""


def default_clients(*, quota_project: str | None = None) -> GcpClients:
    """Clients on application-default credentials (REST where the API has it).

    Raises
    ------
    CollectError
        No application-default credentials could be found.
    """
    try:
        credentials, _ = google.auth.default(
            scopes=[CLOUD_PLATFORM],
            quota_project_id=quota_project,
        )
    except (DefaultCredentialsError, GoogleAuthError) as exc:
        raise CollectError(
            "no application-default credentials (run `gcloud auth "
            "application-default login` or set GOOGLE_APPLICATION_CREDENTIALS): "
            f"{exc}"
        ) from exc

    rest: dict[str, Any] = {"credentials": credentials, "transport": "rest"}
    return GcpClients(
        organizations=resourcemanager_v3.OrganizationsClient(**rest),
        folders=resourcemanager_v3.FoldersClient(**rest),
        projects=resourcemanager_v3.ProjectsClient(**rest),
        asset=asset_v1.AssetServiceClient(**rest),
        # The IAM admin API's client speaks gRPC only.
        iam=iam_admin_v1.IAMClient(credentials=credentials),
        deny=iam_v2.PoliciesClient(**rest),
        caller=caller_of(credentials),
    )


def caller_of(credentials: Any) -> str:
    """The account the credentials act as, when they say so without a call."""
    email = getattr(credentials, "service_account_email", None)
    if isinstance(email, str) and "@" in email:
        return f"serviceAccount:{email}"
    # gcloud's user credentials name their account when they know it.
    account = getattr(credentials, "account", None)
    if isinstance(account, str) and "@" in account:
        return f"user:{account}"
    return "application-default credentials"
