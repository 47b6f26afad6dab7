"""Front door for notebooks: the trust graph with pandas frames and rich reprs."""

from __future__ import annotations

import html
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from graph import build_graph, load_inputs
from graph.model import Finding
from graph.trustgraph import TrustGraph
from queries.findings import RuleOptions, evaluate_rules
from queries.paths import ADMIN, Route, reachable_from, routes_between, routes_to_admin
from queries.paths import who_can_reach as _who_can_reach

if TYPE_CHECKING:
    import pandas as pd


class TrustAnalysis:
    """A built trust graph and the questions a notebook asks of it.

    Examples
    --------
    >>> import crosstrust
    >>> trust = crosstrust.load("sample_data/aws")
    >>> trust.findings().columns[:3].tolist()
    ['rule', 'severity', 'subject']
    """

    def __init__(self, graph: TrustGraph, options: RuleOptions | None = None) -> None:
        self.graph = graph
        self.options = options or RuleOptions()

    @property
    def nx(self) -> nx.MultiDiGraph:
        """The underlying networkx graph (node and edge attributes documented
        on :class:`graph.trustgraph.TrustGraph`)."""
        return self.graph.nx

    @cached_property
    def finding_list(self) -> list[Finding]:
        return evaluate_rules(self.graph, self.options)

    def findings(self) -> pd.DataFrame:
        """One row per finding, worst first."""
        import pandas as pd

        rows = [
            {
                "rule": f.rule,
                "severity": str(f.severity),
                "subject": f.subject,
                "title": f.title,
                "path": list(f.path),
                "evidence": [str(e) for e in f.evidence],
                "remediation": f.remediation,
                "fingerprint": f.fingerprint,
            }
            for f in self.finding_list
        ]
        columns = ["rule", "severity", "subject", "title", "path", "evidence"]
        return pd.DataFrame(rows, columns=[*columns, "remediation", "fingerprint"])

    def principals(self) -> pd.DataFrame:
        """One row per node: id, kind, cloud, name, container, admin status."""
        import pandas as pd

        rows = []
        for node_id, attrs in self.nx.nodes(data=True):
            principal = attrs["principal"]
            rows.append(
                {
                    "id": node_id,
                    "kind": attrs["kind"],
                    "cloud": attrs["cloud"],
                    "name": attrs["name"],
                    "container": attrs["container"],
                    "external": attrs["external"],
                    "is_admin": attrs["is_admin"],
                    "admin_reason": attrs["admin_reason"],
                    "tags": dict(principal.tags),
                }
            )
        return pd.DataFrame(rows).set_index("id") if rows else pd.DataFrame()

    def edges(self) -> pd.DataFrame:
        """One row per trust edge with its mechanism, conditions and evidence."""
        import pandas as pd

        rows = [
            {
                "source": e.source,
                "target": e.target,
                "mechanism": str(e.mechanism),
                "conditional": e.conditional,
                "cross_boundary": e.cross_boundary,
                "conditions": [
                    f"{c.operator} {c.key}={list(c.values)}" for c in e.conditions
                ],
                "evidence": [str(v) for v in e.evidence],
            }
            for e in self.graph.edges()
        ]
        return pd.DataFrame(rows)

    def paths(
        self, source: str, target: str = ADMIN, *, limit: int = 10
    ) -> list[Route]:
        """Routes from ``source`` to ``target`` (or to any admin), shortest first."""
        if target == ADMIN:
            return routes_to_admin(self.graph, source, limit=limit)
        return routes_between(self.graph, source, target, limit=limit)

    def reachable_from(self, node_id: str) -> set[str]:
        return reachable_from(self.graph, node_id)

    def who_can_reach(self, node_id: str) -> set[str]:
        return _who_can_reach(self.graph, node_id)

    def draw(self, what: Route | list[str] | set[str]) -> Any:
        """An inline, offline HTML drawing of a route or a set of node ids."""
        from crosstrust.drawing import draw_html

        nodes = list(what.nodes) if isinstance(what, Route) else list(what)
        return _HTML(draw_html(self.graph, nodes))

    def _repr_html_(self) -> str:
        summary = self.graph.summary()
        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{v}</td></tr>"
            for k, v in sorted(summary.items())
        )
        return f"<div><strong>crosstrust graph</strong><table>{rows}</table></div>"


class _HTML:
    """Displays as HTML in Jupyter; ``str()`` gives the markup."""

    def __init__(self, markup: str) -> None:
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup

    def __str__(self) -> str:
        return self.markup


def load(*paths: str | Path, options: RuleOptions | None = None) -> TrustAnalysis:
    """Load exports or snapshot folders and return the analysis object."""
    return TrustAnalysis(build_graph(load_inputs(paths)), options)
