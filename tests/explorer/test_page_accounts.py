"""Accounts page: the container reach matrix and the routes behind one cell."""

from __future__ import annotations

from conftest import TAGGED, OpenPage, sample_inputs, step_rows

from crosstrust import load_graph
from crosstrust.explorer import keys
from crosstrust.explorer.matrix import reach_matrix

ALICE = "arn:aws:iam::111111111111:user/alice"
DEPLOYER = "arn:aws:iam::111111111111:role/deployer"
AUDIT = "arn:aws:iam::222222222222:role/audit"


def test_accounts_matrix_matches_the_query_on_the_sample(open_page: OpenPage) -> None:
    inputs = sample_inputs()
    app = open_page("accounts", inputs)

    expected = reach_matrix(load_graph(*inputs))
    assert not app.exception
    shown = app.dataframe[0].value
    assert shown.to_numpy().tolist() == expected.to_numpy().tolist()


def test_accounts_cell_lists_its_routes(open_page: OpenPage) -> None:
    app = open_page("accounts", [str(TAGGED)])

    matrix = app.dataframe[0].value
    assert not app.exception
    assert matrix.to_dict() == {
        "111111111111": {"111111111111": 0, "222222222222": 0},
        "222222222222": {"111111111111": 1, "222222222222": 0},
    }
    assert app.selectbox(key=keys.ACCOUNTS_SOURCE).value == "111111111111"
    assert app.selectbox(key=keys.ACCOUNTS_TARGET).value == "222222222222"
    assert step_rows(app) == [(1, DEPLOYER, "assume_role", AUDIT)]


def test_accounts_reverse_cell_has_no_route(open_page: OpenPage) -> None:
    app = open_page("accounts", [str(TAGGED)])
    app.selectbox(key=keys.ACCOUNTS_SOURCE).set_value("222222222222")
    app.selectbox(key=keys.ACCOUNTS_TARGET).set_value("111111111111").run()

    assert not app.exception
    assert step_rows(app) == []
    assert [i.value for i in app.info] == ["No route."]


def test_clicking_a_cell_picks_both_containers(open_page: OpenPage) -> None:
    app = open_page("accounts", [str(TAGGED)])
    app.selectbox(key=keys.ACCOUNTS_SOURCE).set_value("222222222222").run()

    app.session_state[keys.ACCOUNTS_MATRIX] = {
        "selection": {"rows": [], "columns": [], "cells": [(0, "222222222222")]}
    }
    app.run()

    assert not app.exception
    assert app.selectbox(key=keys.ACCOUNTS_SOURCE).value == "111111111111"
    assert app.selectbox(key=keys.ACCOUNTS_TARGET).value == "222222222222"
    assert step_rows(app) == [(1, DEPLOYER, "assume_role", AUDIT)]
