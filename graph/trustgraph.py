"""The trust graph: a typed wrapper over one networkx MultiDiGraph."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

import networkx as nx

from graph.errors import PrincipalNotFound
from graph.model import (
    BlockedEdge,
    Cloud,
    CoverageGap,
    Evidence,
    Mechanism,
    NodeKind,
    PolicyNote,
    Principal,
    TrustEdge,
    Verdict,
)


class TrustGraph:
    """Principals and trust edges, plus what the build learned on the way.

    Node attributes in :attr:`nx`: ``principal`` (the :class:`Principal`),
    ``kind``, ``cloud``, ``name``, ``container``, ``external``,
    ``is_admin`` and ``admin_reason``. Edge attributes: ``edge`` (the
    :class:`TrustEdge`), ``mechanism`` and ``conditional``; the edge key is
    the mechanism, so one pair holds at most one edge per mechanism.

    Examples
    --------
    >>> g = TrustGraph()
    >>> _ = g.add_principal(Principal("arn:aws:iam::1:user/a", NodeKind.USER))
    >>> len(g)
    1
    """

    def __init__(self) -> None:
        self.nx: nx.MultiDiGraph = nx.MultiDiGraph()
        self.coverage: list[CoverageGap] = []
        self.notes: list[PolicyNote] = []
        self.blocked: list[BlockedEdge] = []
        self.organization_accounts: set[str] = set()
        self.loaded_containers: set[str] = set()
        self.metadata: dict[str, Any] = {}
        self._simple: nx.DiGraph | None = None

    def __len__(self) -> int:
        return int(self.nx.number_of_nodes())

    def __contains__(self, node_id: object) -> bool:
        return node_id in self.nx

    def add_principal(self, principal: Principal) -> Principal:
        """Add a node; a richer record replaces an earlier placeholder."""
        node_id = principal.node_id
        if node_id in self.nx:
            old: Principal = self.nx.nodes[node_id]["principal"]
            if old.attributes.get("placeholder") and not principal.attributes.get(
                "placeholder"
            ):
                self._set_node(principal)
                return principal
            return old
        self._set_node(principal)
        return principal

    def _set_node(self, principal: Principal) -> None:
        attrs = self.nx.nodes[principal.node_id] if principal.node_id in self.nx else {}
        self.nx.add_node(
            principal.node_id,
            principal=principal,
            kind=str(principal.kind),
            cloud=str(principal.cloud),
            name=principal.name,
            container=principal.container_id,
            external=principal.external,
            is_admin=attrs.get("is_admin", False),
            admin_reason=attrs.get("admin_reason", ""),
        )

    def principal(self, node_id: str) -> Principal:
        """Return the node, or raise :class:`PrincipalNotFound` naming it."""
        try:
            found: Principal = self.nx.nodes[node_id]["principal"]
        except KeyError:
            raise PrincipalNotFound(f"no principal with id {node_id!r}") from None
        return found

    def principals(self, *kinds: NodeKind) -> Iterator[Principal]:
        """Every node, or the nodes of the given kinds."""
        wanted = {str(k) for k in kinds}
        for _, attrs in self.nx.nodes(data=True):
            if not wanted or attrs["kind"] in wanted:
                yield attrs["principal"]

    def add_edge(self, edge: TrustEdge) -> TrustEdge:
        """Add an edge; a second grant of the same mechanism merges evidence.

        An unconditional grant wins over a conditional one.
        """
        for node_id in (edge.source, edge.target):
            if node_id not in self.nx:
                raise PrincipalNotFound(f"edge endpoint {node_id!r} is not a node")
        key = str(edge.mechanism)
        existing = self.nx.get_edge_data(edge.source, edge.target, key)
        if existing is not None:
            edge = _merge_edges(existing["edge"], edge)
        self._simple = None
        self.nx.add_edge(
            edge.source,
            edge.target,
            key=key,
            edge=edge,
            mechanism=key,
            conditional=edge.conditional,
        )
        return edge

    def edge(self, source: str, target: str, mechanism: Mechanism) -> TrustEdge | None:
        data = self.nx.get_edge_data(source, target, str(mechanism))
        return None if data is None else data["edge"]

    def edges(self, *mechanisms: Mechanism) -> Iterator[TrustEdge]:
        wanted = {str(m) for m in mechanisms}
        for _, _, key, edge in self.nx.edges(keys=True, data="edge"):
            if not wanted or key in wanted:
                yield edge

    def out_edges(self, node_id: str) -> list[TrustEdge]:
        self.principal(node_id)
        return [e for _, _, e in self.nx.out_edges(node_id, data="edge")]

    def in_edges(self, node_id: str) -> list[TrustEdge]:
        self.principal(node_id)
        return [e for _, _, e in self.nx.in_edges(node_id, data="edge")]

    def simple(self) -> nx.DiGraph:
        """A plain DiGraph view (one edge per pair) for path algorithms; cached
        until the next edge is added."""
        if self._simple is None:
            self._simple = nx.DiGraph(self.nx)
        return self._simple

    def mark_admin(self, node_id: str, reason: str, *, latent: bool = False) -> None:
        """Record that a principal holds admin power, and why.

        ``latent`` marks power the principal does not use yet but can grant
        itself in one step (for example by writing its own policy); such a
        principal is an admin for everyone who can reach it, and is itself
        reported as an escalation.
        """
        attrs = self.nx.nodes[node_id]
        if not attrs["is_admin"]:
            attrs["is_admin"] = True
            attrs["admin_reason"] = reason
            attrs["admin_latent"] = latent
        elif attrs.get("admin_latent") and not latent:
            attrs["admin_reason"] = reason
            attrs["admin_latent"] = False

    def is_latent_admin(self, node_id: str) -> bool:
        return bool(self.nx.nodes[node_id].get("admin_latent", False))

    def is_admin(self, node_id: str) -> bool:
        return bool(self.nx.nodes[node_id]["is_admin"]) if node_id in self.nx else False

    def admin_reason(self, node_id: str) -> str:
        return str(self.nx.nodes[node_id]["admin_reason"])

    def admins(self) -> list[str]:
        return [n for n, a in self.nx.nodes(data="is_admin") if a]

    def container_of(self, node_id: str) -> str:
        return str(self.nx.nodes[node_id]["container"]) if node_id in self.nx else ""

    def add_gap(self, gap: CoverageGap) -> None:
        self.coverage.append(gap)

    def add_note(self, note: PolicyNote) -> None:
        self.notes.append(note)

    def block(self, edge: TrustEdge, guardrail: Evidence) -> None:
        """Remember a would-be edge that a guardrail removed."""
        self.blocked.append(BlockedEdge(edge=edge, guardrail=guardrail))

    def clouds(self) -> set[Cloud]:
        return {Cloud(c) for _, c in self.nx.nodes(data="cloud")}

    def summary(self) -> dict[str, int]:
        """Counts of nodes by kind, edges by mechanism, admins and gaps."""
        counts: dict[str, int] = {"nodes": len(self), "edges": 0}
        for _, kind in self.nx.nodes(data="kind"):
            counts[f"nodes.{kind}"] = counts.get(f"nodes.{kind}", 0) + 1
        for _, _, key in self.nx.edges(keys=True):
            counts["edges"] += 1
            counts[f"edges.{key}"] = counts.get(f"edges.{key}", 0) + 1
        counts["admins"] = len(self.admins())
        counts["coverage_gaps"] = len(self.coverage)
        return counts

    def to_node_link(self) -> dict[str, Any]:
        """Node-link JSON with typed values rendered by their ``to_json``."""
        nodes = []
        for node_id, attrs in self.nx.nodes(data=True):
            record = attrs["principal"].to_json()
            record["id"] = node_id
            record["is_admin"] = attrs["is_admin"]
            record["admin_reason"] = attrs["admin_reason"]
            nodes.append(record)
        links = [e.to_json() for e in self.edges()]
        return {
            "directed": True,
            "multigraph": True,
            "graph": {
                "coverage": [g.to_json() for g in self.coverage],
                "blocked": [b.to_json() for b in self.blocked],
            },
            "nodes": nodes,
            "links": links,
        }

    def subgraph_view(self, node_ids: Iterable[str]) -> nx.MultiDiGraph:
        view: nx.MultiDiGraph = self.nx.subgraph(list(node_ids))
        return view


def _merge_edges(old: TrustEdge, new: TrustEdge) -> TrustEdge:
    evidence = tuple(dict.fromkeys((*old.evidence, *new.evidence)))
    if not old.conditional:
        return replace(old, evidence=evidence)
    if not new.conditional:
        return replace(new, evidence=evidence)

    # Alternatives are OR-ed: keep the grant that asks the least.
    def depends(edge: TrustEdge) -> int:
        return sum(c.verdict is Verdict.DEPENDS for c in edge.conditions)

    easier = new if depends(new) < depends(old) else old
    return replace(easier, evidence=evidence)


def unconditional(edge: TrustEdge) -> bool:
    """True when no condition of the edge depends on the request."""
    return all(c.verdict is not Verdict.DEPENDS for c in edge.conditions)
