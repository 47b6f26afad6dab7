"""Collect stage, GCP: walk an organisation's folders and projects, read policies."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import quote

from google.cloud.iam_admin_v1 import RoleView

from collectors.gcp_calls import GapRecorder, GcpRun, message_json
from collectors.progress import PhaseBar

logger = logging.getLogger(__name__)

RESOURCE_MANAGER = "//cloudresourcemanager.googleapis.com/"
# Resource Manager v3 parent kinds, as gcloud's project listing names them.
_PARENT_TYPES = {"organizations": "organization", "folders": "folder"}
# Version 3 returns bindings with IAM Conditions; older ones hide them.
POLICY_OPTIONS = {"requested_policy_version": 3}


@dataclass(slots=True)
class Hierarchy:
    """What the walk found: container names in walk order, one recorder each."""

    organization: str
    folders: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)
    recorders: dict[str, GapRecorder] = field(default_factory=dict)


def collect_hierarchy(
    run: GcpRun,
    organization_id: str,
    bar: PhaseBar,
    *,
    workers: int = 4,
) -> Hierarchy:
    """Walk the organisation level by level; write its containers' files.

    The parents of one level are listed ``workers`` at a time. Folders and
    projects whose parent cannot be listed are missing, and the parent's
    scope records why.
    """
    name = f"organizations/{organization_id}"
    hierarchy = Hierarchy(organization=name)
    recorder = hierarchy.recorders[name] = run.recorder(name)
    organization = recorder.call(
        f"organizations.get {name}",
        lambda: run.clients.organizations.get_organization(
            name=name, **run.call_options
        ),
    )
    if organization is not None:
        run.writer.write_json(
            "hierarchy/organization.json", [message_json(organization)]
        )

    folders: list[dict[str, Any]] = []
    projects: list[dict[str, Any]] = []
    level = [name]
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        try:
            while level:
                listed = list(pool.map(partial(_list_children, run, hierarchy), level))
                level = []
                for children, found in listed:
                    for folder in children:
                        hierarchy.folders.append(folder["name"])
                        hierarchy.recorders[folder["name"]] = run.recorder(
                            folder["name"]
                        )
                        level.append(folder["name"])
                    folders.extend(children)
                    projects.extend(found)
                    bar.advance()
        except BaseException:
            run.stop.set()
            raise

    hierarchy.projects = [p["projectId"] for p in projects]
    if folders:
        run.writer.write_json("hierarchy/folders.json", folders)
    if projects:
        run.writer.write_json("hierarchy/projects.json", projects)
    logger.info(
        "%s: %d folders, %d projects",
        name,
        len(hierarchy.folders),
        len(hierarchy.projects),
    )
    return hierarchy


def _list_children(
    run: GcpRun, hierarchy: Hierarchy, parent: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The folders and the projects directly below ``parent``."""
    recorder = hierarchy.recorders[parent]
    return _list_folders(run, recorder, parent), _list_projects(run, recorder, parent)


def _list_folders(
    run: GcpRun, recorder: GapRecorder, parent: str
) -> list[dict[str, Any]]:
    found = recorder.call(
        f"folders.list {parent}",
        lambda: [
            message_json(folder)
            for folder in run.clients.folders.list_folders(
                request={"parent": parent}, **run.call_options
            )
        ],
        effect="folders below it not read",
    )
    return found or []


def _list_projects(
    run: GcpRun, recorder: GapRecorder, parent: str
) -> list[dict[str, Any]]:
    found = recorder.call(
        f"projects.list {parent}",
        lambda: [
            project_json(message_json(project))
            for project in run.clients.projects.list_projects(
                request={"parent": parent}, **run.call_options
            )
        ],
        effect="projects directly below it not read",
    )
    return found or []


def get_project(
    run: GcpRun, recorder: GapRecorder, project_id: str
) -> dict[str, Any] | None:
    """One project's metadata in the listing's shape, or None (recorded)."""
    name = f"projects/{project_id}"
    project = recorder.call(
        f"projects.get {name}",
        lambda: run.clients.projects.get_project(name=name, **run.call_options),
    )
    return None if project is None else project_json(message_json(project))


def project_json(project: dict[str, Any]) -> dict[str, Any]:
    """A Resource Manager v3 project in the shape ``gcloud projects list`` writes."""
    row: dict[str, Any] = {
        "projectId": project.get("projectId", ""),
        "projectNumber": str(project.get("name", "")).removeprefix("projects/"),
        "name": project.get("displayName", ""),
        "lifecycleState": project.get("state", ""),
    }
    for key in ("createTime", "labels"):
        if key in project:
            row[key] = project[key]
    kind, _, parent_id = str(project.get("parent", "")).partition("/")
    if kind in _PARENT_TYPES:
        row["parent"] = {"type": _PARENT_TYPES[kind], "id": parent_id}
    return row


def collect_container_policy(
    run: GcpRun,
    recorder: GapRecorder,
    name: str,
) -> None:
    """Write the allow policy of ``organizations/…``, ``folders/…`` or
    ``projects/…`` wrapped with its full resource name."""
    clients: dict[str, Any] = {
        "organizations": run.clients.organizations,
        "folders": run.clients.folders,
        "projects": run.clients.projects,
    }
    client = clients[name.split("/")[0]]
    request = {
        "resource": name,
        "options": POLICY_OPTIONS,
    }
    policy = recorder.call(
        f"{name.split('/')[0]}.getIamPolicy {name}",
        lambda: client.get_iam_policy(request=request, **run.call_options),
    )
    if policy is None:
        return
    wrapped = {"resource": f"{RESOURCE_MANAGER}{name}", "policy": message_json(policy)}
    run.writer.write_json(f"policies/{name.replace('/', '-')}.json", wrapped)


def collect_custom_roles(run: GcpRun, recorder: GapRecorder, parent: str) -> None:
    """Write the custom roles defined at an organisation or project, with
    their permissions."""
    roles = recorder.call(
        f"iam.roles.list {parent}",
        lambda: [
            role_json(message_json(role))
            for role in run.clients.iam.list_roles(
                request={"parent": parent, "view": RoleView.FULL}, **run.call_options
            )
        ],
    )
    if roles:
        run.writer.write_json(f"roles/{parent.replace('/', '-')}.json", roles)


def role_json(role: dict[str, Any]) -> dict[str, Any]:
    # A role with no permissions is still a role (the API leaves the list out).
    return {**role, "includedPermissions": role.get("includedPermissions", [])}


def collect_deny_policies(run: GcpRun, recorder: GapRecorder, name: str) -> None:
    """Write the deny policies attached to a container, each with its rules."""
    attachment = quote(f"cloudresourcemanager.googleapis.com/{name}", safe="")
    parent = f"policies/{attachment}/denypolicies"
    # A listing leaves the rules out; each policy is read on its own.
    listed = recorder.call(
        f"iam.denypolicies.list {name}",
        lambda: [
            policy.name
            for policy in run.clients.deny.list_policies(
                request={"parent": parent}, **run.call_options
            )
        ],
        effect="deny policies attached there not read; edges they block are shown",
    )
    policies = []
    for policy_name in listed or []:
        policy = recorder.call(
            f"iam.denypolicies.get {policy_name}",
            partial(run.clients.deny.get_policy, name=policy_name, **run.call_options),
        )
        if policy is not None:
            policies.append(message_json(policy))
    if policies:
        run.writer.write_json(f"deny/{name.replace('/', '-')}.json", policies)
