"""The model: nodes, edges, policy evaluation, graph building and stores."""

from graph.build import build_graph
from graph.errors import (
    CrosstrustError,
    MalformedPolicy,
    NoRoute,
    PrincipalNotFound,
    UnrecognizedInput,
)
from graph.load import Inventory, load_inputs
from graph.model import (
    Cloud,
    Condition,
    CoverageGap,
    Evidence,
    Finding,
    Mechanism,
    NodeKind,
    Principal,
    Severity,
    TrustEdge,
    Verdict,
)
from graph.trustgraph import TrustGraph

__all__ = [
    "Cloud",
    "Condition",
    "CoverageGap",
    "CrosstrustError",
    "Evidence",
    "Finding",
    "Inventory",
    "MalformedPolicy",
    "Mechanism",
    "NoRoute",
    "NodeKind",
    "Principal",
    "PrincipalNotFound",
    "Severity",
    "TrustEdge",
    "TrustGraph",
    "UnrecognizedInput",
    "Verdict",
    "build_graph",
    "load_inputs",
]
