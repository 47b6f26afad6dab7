"""Query stage: the Cypher query pack, one ``.cypher`` file per question.

Each file opens with ``//`` header lines: a one-sentence description,
``twin:`` (the built-in networkx function that answers the same
question), optionally ``rule:`` (the rule id whose candidates it lists)
and ``params:`` (the ``$names`` it reads). Lists the rules keep as Python
constants are passed as parameters with those constants as defaults, so
the pack and the built-in rules cannot drift apart. The pack is written
in the Cypher that both Neo4j and FalkorDB accept.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from graph.errors import CrosstrustError


class QueryNotFound(CrosstrustError):
    """No query of that name in the pack."""


class BadParameter(CrosstrustError):
    """A query parameter is missing, unknown or malformed."""


@dataclass(frozen=True, slots=True)
class CypherQuery:
    """One question of the pack: its text and the parameters it reads."""

    name: str
    description: str
    text: str
    params: tuple[str, ...] = ()
    twin: str = ""
    rule: str = ""

    def bind(self, given: dict[str, Any] | None = None) -> dict[str, Any]:
        """Parameters for a run: defaults, overridden by ``given``.

        Raises
        ------
        BadParameter
            When ``given`` names a parameter the query does not read, or a
            parameter without a default is missing.
        """
        given = dict(given or {})
        unknown = sorted(set(given) - set(self.params))
        if unknown:
            raise BadParameter(
                f"query {self.name!r} takes {list(self.params)}, not {unknown}"
            )
        defaults = parameter_defaults()
        bound = {p: defaults[p] for p in self.params if p in defaults}
        bound.update(given)
        missing = [p for p in self.params if p not in bound]
        if missing:
            raise BadParameter(f"query {self.name!r} needs --param {missing[0]}=...")
        return bound


def parameter_defaults() -> dict[str, list[str]]:
    """The rule constants the pack reads as parameters, as sorted lists."""
    from queries.rules.paths import ACTING_KINDS
    from queries.rules.trust import (
        ASSUME_MECHANISMS,
        NARROWING_KEYS,
        PASSROLE_ONLY_SERVICES,
        SOURCE_KEYS,
    )

    return {
        "acting_kinds": sorted(str(k) for k in ACTING_KINDS),
        "assume_mechanisms": sorted(str(m) for m in ASSUME_MECHANISMS),
        "narrowing_keys": sorted(NARROWING_KEYS),
        "source_keys": sorted(SOURCE_KEYS),
        "passrole_services": sorted(PASSROLE_ONLY_SERVICES),
    }


def query_names() -> list[str]:
    """Names of every query in the pack, sorted.

    Examples
    --------
    >>> "routes_to_admin" in query_names()
    True
    """
    files = resources.files(__package__).iterdir()
    return sorted(
        f.name.removesuffix(".cypher") for f in files if f.name.endswith(".cypher")
    )


@cache
def load_query(name: str) -> CypherQuery:
    """Read one query of the pack; raise :class:`QueryNotFound` naming it."""
    if name not in query_names():
        raise QueryNotFound(
            f"no Cypher query {name!r}; known: {', '.join(query_names())}"
        )
    source = resources.files(__package__).joinpath(f"{name}.cypher").read_text("utf-8")
    return parse_query(name, source)


def parse_query(name: str, source: str) -> CypherQuery:
    """Split a ``.cypher`` file into its header fields and its statement."""
    header: dict[str, str] = {}
    description = ""
    body = []
    for line in source.splitlines():
        stripped = line.strip()
        if not stripped.startswith("//"):
            body.append(line.rstrip())
            continue
        comment = stripped.removeprefix("//").strip()
        key, sep, value = comment.partition(":")
        if sep and key in {"twin", "rule", "params"}:
            header[key] = value.strip()
        elif not description:
            description = comment
    params = tuple(p.strip() for p in header.get("params", "").split(",") if p.strip())
    return CypherQuery(
        name=name,
        description=description,
        text="\n".join(line for line in body if line).strip(),
        params=params,
        twin=header.get("twin", ""),
        rule=header.get("rule", ""),
    )


def parse_param(text: str) -> tuple[str, str]:
    """``key=value`` from the command line; raise :class:`BadParameter` if not."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise BadParameter(f"parameter {text!r} is not key=value")
    return key.strip(), value


__all__ = [
    "BadParameter",
    "CypherQuery",
    "QueryNotFound",
    "load_query",
    "parameter_defaults",
    "parse_param",
    "parse_query",
    "query_names",
]
