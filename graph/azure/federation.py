"""Graph stage, Azure: federated credentials and how far their subjects reach."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from graph.azure.recognize import body_of

GITHUB_ISSUER = "token.actions.githubusercontent.com"

# `claims['sub'] matches 'x'` / `claims['sub'] eq 'x'` clauses of a flexible credential.
_CLAUSE = re.compile(
    r"claims\[\s*'sub'\s*\]\s+(matches|eq)\s+'([^']*)'",
    re.IGNORECASE,
)
_OWNER_ONLY = re.compile(r"^repository_owner(_id)?:[^:]+$")
_GITHUB_CONTEXT = re.compile(r"^(ref:refs/heads/|ref:refs/tags/|ref:|environment:)")


class Reach(StrEnum):
    """How much a subject pattern admits."""

    PINNED = "pinned"
    BROAD = "broad"
    UNPINNED_CONTEXT = "unpinned_context"
    ANY = "any"


@dataclass(frozen=True, slots=True)
class FederatedCredential:
    """One credential: issuer, subject patterns, audiences, and where it sits."""

    name: str
    issuer: str
    subjects: tuple[str, ...]
    audiences: tuple[str, ...]
    parent: str = ""
    expression: str = ""
    parsed: bool = True


def issuer_host(issuer: str) -> str:
    """The issuer without its scheme and trailing slash."""
    return re.sub(r"^https?://", "", issuer.strip()).rstrip("/")


def subject_node_id(issuer: str, subject: str) -> str:
    """``oidc:<issuer-without-https://>:<subject>``, the AWS builder's convention."""
    return f"oidc:{issuer_host(issuer)}:{subject}"


def parse_credential(item: Mapping[str, Any], parent: str) -> FederatedCredential:
    """Read an ARM, az or Graph federated credential item."""
    body = body_of(item)
    expression = body.get("claimsMatchingExpression")
    text = expression.get("value", "") if isinstance(expression, dict) else ""
    subject = body.get("subject")
    subjects: tuple[str, ...] = (subject,) if isinstance(subject, str) else ()
    parsed = True
    if text and not subjects:
        subjects, parsed = _expression_subjects(str(text))
    audiences = body.get("audiences")
    if not isinstance(audiences, list):
        audiences = []
    return FederatedCredential(
        name=str(item.get("name") or body.get("name") or ""),
        issuer=str(body.get("issuer") or ""),
        subjects=subjects,
        audiences=tuple(str(a) for a in audiences if isinstance(a, str)),
        parent=parent,
        expression=str(text),
        parsed=parsed,
    )


def _expression_subjects(text: str) -> tuple[tuple[str, ...], bool]:
    """Subject patterns of OR-ed clauses; a wildcard per ``matches`` clause."""
    clauses = _CLAUSE.findall(text)
    rest = _CLAUSE.sub("", text).lower().replace("(", " ").replace(")", " ")
    understood = bool(clauses) and not set(rest.split()) - {"or"}
    patterns = tuple(value for _, value in clauses)
    return patterns, understood


def subject_reach(issuer: str, subject: str) -> Reach:
    """Judge a subject pattern: pinned, broad over refs, or not pinned at all."""
    if not subject.strip() or subject.strip() == "*":
        return Reach.ANY
    if issuer_host(issuer).startswith(GITHUB_ISSUER):
        return _github_reach(subject)
    if "*" not in subject:
        return Reach.PINNED
    head = subject.split("*", 1)[0]
    return Reach.BROAD if head.count(":") >= 2 else Reach.ANY


def _github_reach(subject: str) -> Reach:
    """GitHub subjects: ``repo:<owner>/<repo>:<context>`` or a custom template."""
    parts = subject.split(":", 2)
    if parts[0] == "repo" and len(parts) >= 2:
        repository = parts[1]
        if "*" in repository or "/" not in repository:
            return Reach.ANY
        if len(parts) == 2 or parts[2] in {"", "*"}:
            return Reach.UNPINNED_CONTEXT
        return _github_context_reach(parts[2])
    # Customised subject templates: an owner alone admits every repository.
    if _OWNER_ONLY.match(subject) or subject.startswith("repo:"):
        return Reach.ANY
    return Reach.BROAD if "*" in subject else Reach.PINNED


def _github_context_reach(context: str) -> Reach:
    """The ``<context>`` part: a ref, environment or pull_request."""
    if context == "pull_request":
        return Reach.BROAD
    if "*" not in context:
        return Reach.PINNED
    found = _GITHUB_CONTEXT.match(context)
    if found is None:
        return Reach.UNPINNED_CONTEXT
    value = context[found.end() :]
    return Reach.BROAD if value.replace("*", "") != value else Reach.PINNED
