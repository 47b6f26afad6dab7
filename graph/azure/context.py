"""Graph stage, Azure: what every Azure edge builder reads."""

from __future__ import annotations

from dataclasses import dataclass

from graph.azure.assignments import Assignments, Authority
from graph.azure.directory import Directory
from graph.azure.entra import DirectoryRoleGrant
from graph.azure.scopes import ScopeTree


@dataclass(slots=True)
class AzureContext:
    """What the Azure edge builders read: tree, directory, grants, authority."""

    tree: ScopeTree
    directory: Directory
    assignments: Assignments
    authority: Authority
    groups: dict[str, frozenset[str]]
    members: dict[str, frozenset[str]]
    boundary: dict[str, str]
    directory_roles: list[DirectoryRoleGrant]
