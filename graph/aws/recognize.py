"""Load stage, AWS: recognise the AWS CLI's export shapes by their keys."""

from __future__ import annotations

from typing import Any

from graph.load import Recognizer

_AUTHZ_KEYS = ("UserDetailList", "RoleDetailList", "GroupDetailList")


def _is_authz(data: Any) -> bool:
    return isinstance(data, dict) and any(k in data for k in _AUTHZ_KEYS)


def _is_org_accounts(data: Any) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("Accounts"), list):
        return False
    return all(isinstance(a, dict) and "Id" in a for a in data["Accounts"])


def _is_organization(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("Organization"), dict)


def _is_oidc_list(data: Any) -> bool:
    return isinstance(data, dict) and "OpenIDConnectProviderList" in data


def _is_saml_list(data: Any) -> bool:
    return isinstance(data, dict) and "SAMLProviderList" in data


def _is_access_keys(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("AccessKeyMetadata"), list)


def _is_organization_tree(data: Any) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("Roots"), list):
        return False
    return all(isinstance(r, dict) and "Id" in r for r in data["Roots"])


def _is_org_policies(data: Any) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("Policies"), list):
        return False
    return all(isinstance(p, dict) and "PolicySummary" in p for p in data["Policies"])


RECOGNIZERS = (
    Recognizer("aws.authz", _is_authz),
    Recognizer("aws.org_accounts", _is_org_accounts),
    Recognizer("aws.organization", _is_organization),
    Recognizer("aws.oidc_providers", _is_oidc_list),
    Recognizer("aws.saml_providers", _is_saml_list),
    Recognizer("aws.access_keys", _is_access_keys),
    Recognizer("aws.organization_tree", _is_organization_tree),
    Recognizer("aws.org_policies", _is_org_policies),
)
