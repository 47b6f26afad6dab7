"""Graph stage, GCP: resolve predefined and custom roles to the permissions used."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

_TABLE = Path(__file__).with_name("predefined_roles.json")

ACT_AS = "iam.serviceAccounts.actAs"
SA_SET_IAM = "iam.serviceAccounts.setIamPolicy"
SA_KEY_CREATE = "iam.serviceAccountKeys.create"
HMAC_KEY_CREATE = "storage.hmacKeys.create"
ROLE_UPDATE = "iam.roles.update"
ORG_POLICY_SET = "orgpolicy.policy.set"
DEPLOYMENT_CREATE = "deploymentmanager.deployments.create"
CONTAINER_SET_IAM = {
    "organizations": "resourcemanager.organizations.setIamPolicy",
    "folders": "resourcemanager.folders.setIamPolicy",
    "projects": "resourcemanager.projects.setIamPolicy",
}


@dataclass(frozen=True, slots=True)
class RoleTable:
    """Predefined roles (bundled, dated) plus the custom roles of the export."""

    as_of: str
    predefined: dict[str, frozenset[str]]
    permission_sets: dict[str, frozenset[str]]
    admin_roles: frozenset[str]
    custom: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def impersonate(self) -> frozenset[str]:
        return self.permission_sets["impersonate"]

    @property
    def workload(self) -> frozenset[str]:
        return self.permission_sets["workload"]

    def permissions(self, role: str) -> frozenset[str] | None:
        """Relevant permissions of a role; None for an unknown custom role."""
        # TODO: predefined roles missing from the bundled table count as
        #  carrying none of the evaluated permissions — routes through them
        #  are missed until the table lists them.
        if role.startswith("roles/"):
            return self.predefined.get(role, frozenset())
        return self.custom.get(role)

    def with_custom(self, custom: dict[str, frozenset[str]]) -> RoleTable:
        return RoleTable(
            as_of=self.as_of,
            predefined=self.predefined,
            permission_sets=self.permission_sets,
            admin_roles=self.admin_roles,
            custom=dict(custom),
        )


@cache
def bundled_roles() -> RoleTable:
    """The bundled predefined-role table (only the permissions crosstrust reads)."""
    raw: dict[str, Any] = json.loads(_TABLE.read_text(encoding="utf-8"))
    sets = {k: frozenset(v) for k, v in raw["permission_sets"].items()}
    predefined = {
        role: frozenset(_expand(perms, sets)) for role, perms in raw["roles"].items()
    }
    return RoleTable(
        as_of=str(raw["as_of"]),
        predefined=predefined,
        permission_sets=sets,
        admin_roles=frozenset(raw["admin_roles"]),
    )


def _expand(perms: list[str], sets: dict[str, frozenset[str]]) -> set[str]:
    expanded: set[str] = set()
    for perm in perms:
        expanded |= sets[perm[1:]] if perm.startswith("@") else {perm}
    return expanded


def custom_role_name(name: str) -> str:
    """``//iam.googleapis.com/projects/p/roles/r`` -> ``projects/p/roles/r``."""
    return name.removeprefix("//iam.googleapis.com/")
