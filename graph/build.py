"""Graph stage: turn a loaded inventory into one trust graph, cloud by cloud."""

from __future__ import annotations

import logging
from collections.abc import Callable

from graph.errors import CrosstrustError, MalformedExport
from graph.load import Inventory, gc_paused
from graph.trustgraph import TrustGraph

logger = logging.getLogger(__name__)

Builder = Callable[[Inventory, TrustGraph], None]


def _builders() -> tuple[Builder, ...]:
    # One entry per cloud; order matters only for cross-cloud federation,
    # which each builder resolves against nodes it creates itself.
    from graph.aws.build import build_aws
    from graph.azure.build import build_azure
    from graph.gcp.build import build_gcp

    return (build_aws, build_gcp, build_azure)


def build_graph(inventory: Inventory) -> TrustGraph:
    """Build the trust graph of everything in ``inventory``.

    Parameters
    ----------
    inventory
        The output of :func:`graph.load.load_inputs`.

    Returns
    -------
    TrustGraph
        Nodes, edges, admin marks, coverage gaps and policy notes.
    """
    graph = TrustGraph()
    graph.coverage.extend(inventory.coverage)
    with gc_paused():
        for builder in _builders():
            _run_builder(builder, inventory, graph)
    logger.info(
        "built graph: %d nodes, %d edges", len(graph), graph.nx.number_of_edges()
    )
    return graph


# What a builder raises when a recognised file holds a record of the wrong type.
_SHAPE_ERRORS = (TypeError, AttributeError, KeyError, IndexError, ValueError)


def _run_builder(builder: Builder, inventory: Inventory, graph: TrustGraph) -> None:
    """Run one cloud's builder; a record of the wrong shape names its files."""
    try:
        builder(inventory, graph)
    except CrosstrustError:
        raise
    except (*_SHAPE_ERRORS, RecursionError) as exc:
        cloud = builder.__name__.removeprefix("build_")
        files = sorted(
            {d.path for d in inventory.documents if d.kind.startswith(f"{cloud}.")}
        )
        named = ", ".join(files[:5]) + (
            f" and {len(files) - 5} more" if len(files) > 5 else ""
        )
        logger.debug("%s builder failed", cloud, exc_info=True)
        raise MalformedExport(
            f"{named}: a {cloud} record has an unexpected shape "
            f"({type(exc).__name__}: {str(exc)[:120]})"
        ) from None
