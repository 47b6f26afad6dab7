"""Container reach: counts across boundaries, trimming, routes behind a cell."""

from __future__ import annotations

import pandas as pd
from conftest import TAGGED

from crosstrust import load_graph
from crosstrust.explorer.matrix import container_routes, crossing_only, reach_counts

DEPLOYER = "arn:aws:iam::111111111111:role/deployer"
AUDIT = "arn:aws:iam::222222222222:role/audit"


def test_reach_counts_only_cross_boundaries() -> None:
    graph = load_graph(TAGGED)

    assert reach_counts(graph) == {("111111111111", "222222222222"): 1}


def test_container_routes_behind_a_cell() -> None:
    graph = load_graph(TAGGED)

    routes = container_routes(graph, "111111111111", "222222222222")

    assert [r.nodes for r in routes] == [(DEPLOYER, AUDIT)]
    assert container_routes(graph, "222222222222", "111111111111") == []
    assert container_routes(graph, "111111111111", "111111111111") == []


def test_crossing_only_drops_silent_rows_and_columns() -> None:
    matrix = pd.DataFrame(
        [[0, 2, 0], [0, 0, 0], [0, 0, 0]],
        index=["a", "b", "c"],
        columns=["a", "b", "c"],
    )

    assert crossing_only(matrix).to_dict() == {"b": {"a": 2}}
