"""crosstrust: who can become whom across AWS, GCP and Azure."""

from __future__ import annotations

from pathlib import Path

from graph import build_graph, load_inputs
from graph.trustgraph import TrustGraph

__version__ = "0.1.0"


def load_graph(*paths: str | Path) -> TrustGraph:
    """Load exports or snapshot folders and build one trust graph."""
    return build_graph(load_inputs(paths))


from crosstrust.notebook import TrustAnalysis, load  # noqa: E402

__all__ = ["TrustAnalysis", "TrustGraph", "__version__", "load", "load_graph"]
