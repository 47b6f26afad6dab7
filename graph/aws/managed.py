"""Graph stage, AWS: documents of AWS-managed policies often absent from exports.

Used only when an export attaches one of these by ARN without its document
(authorization details filtered to local policies). Dated 2026-12: the
documents are reduced to what decides trust and admin power.
"""

from __future__ import annotations

from typing import Any

KNOWN_MANAGED_POLICIES: dict[str, dict[str, Any]] = {
    "AdministratorAccess": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    },
    "IAMFullAccess": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "iam:*",
                    "organizations:DescribeAccount",
                    "organizations:DescribeOrganization",
                    "organizations:DescribeOrganizationalUnit",
                    "organizations:DescribePolicy",
                    "organizations:ListAccounts",
                    "organizations:ListAWSServiceAccessForOrganization",
                    "organizations:ListDelegatedAdministrators",
                    "organizations:ListPolicies",
                    "organizations:ListPoliciesForTarget",
                    "organizations:ListTargetsForPolicy",
                ],
                "Resource": "*",
            }
        ],
    },
    "PowerUserAccess": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "NotAction": ["iam:*", "organizations:*", "account:*"],
                "Resource": "*",
            },
            {
                "Effect": "Allow",
                "Action": [
                    "iam:CreateServiceLinkedRole",
                    "iam:DeleteServiceLinkedRole",
                    "iam:ListRoles",
                    "organizations:DescribeOrganization",
                    "account:ListRegions",
                    "account:GetAccountInformation",
                ],
                "Resource": "*",
            },
        ],
    },
    "ReadOnlyAccess": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["*:Describe*", "*:Get*", "*:List*", "*:BatchGet*"],
                "Resource": "*",
            }
        ],
    },
}
