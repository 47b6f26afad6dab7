"""Load stage, AWS: recognise the AWS CLI's export shapes by their keys."""

from __future__ import annotations

from collections.abc import Callable
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


def _list_of(key: str, *fields: str) -> Callable[[Any], bool]:
    """A top-level list under ``key`` whose entries carry one of ``fields``."""

    def match(data: Any) -> bool:
        if not isinstance(data, dict) or not isinstance(data.get(key), list):
            return False
        items = data[key]
        return all(isinstance(i, dict) and any(f in i for f in fields) for i in items)

    return match


def _is_notebook(data: Any) -> bool:
    if isinstance(data, dict) and "NotebookInstanceArn" in data:
        return True
    return _list_of("NotebookInstances", "NotebookInstanceArn")(data)


# Workload exports: compute that already runs as a role.
WORKLOAD_RECOGNIZERS = (
    Recognizer("aws.lambda_functions", _list_of("Functions", "FunctionArn")),
    Recognizer("aws.ec2_instances", _list_of("Reservations", "Instances")),
    Recognizer("aws.instance_profiles", _list_of("InstanceProfiles", "Roles")),
    Recognizer("aws.cloudformation_stacks", _list_of("Stacks", "StackId")),
    Recognizer("aws.codebuild_projects", _list_of("projects", "serviceRole", "arn")),
    Recognizer("aws.sagemaker_notebooks", _is_notebook),
    Recognizer("aws.glue_dev_endpoints", _list_of("DevEndpoints", "EndpointName")),
)


RECOGNIZERS = (
    Recognizer("aws.authz", _is_authz),
    Recognizer("aws.org_accounts", _is_org_accounts),
    Recognizer("aws.organization", _is_organization),
    Recognizer("aws.oidc_providers", _is_oidc_list),
    Recognizer("aws.saml_providers", _is_saml_list),
    Recognizer("aws.access_keys", _is_access_keys),
    Recognizer("aws.organization_tree", _is_organization_tree),
    Recognizer("aws.org_policies", _is_org_policies),
    *WORKLOAD_RECOGNIZERS,
)
