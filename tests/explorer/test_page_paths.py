"""Paths page: pick a source and a target (or any admin); routes drawn and listed."""

from __future__ import annotations

import pytest
from conftest import TAGGED, XSS, OpenPage, markdown_text, sample_inputs, step_rows

from crosstrust import load_graph
from crosstrust.explorer import keys, widgets
from queries.paths import ADMIN, principals_reaching_admin, routes_to_admin

ALICE = "arn:aws:iam::111111111111:user/alice"
DEPLOYER = "arn:aws:iam::111111111111:role/deployer"
ADMIN_ROLE = "arn:aws:iam::111111111111:role/admin"
AUDIT = "arn:aws:iam::222222222222:role/audit"


def test_paths_opens_on_a_principal_that_reaches_admin(open_page: OpenPage) -> None:
    inputs = sample_inputs()
    app = open_page("paths", inputs)

    graph = load_graph(*inputs)
    source = sorted(principals_reaching_admin(graph))[0]
    expected = [
        (number, e.source, str(e.mechanism), e.target)
        for number, route in enumerate(routes_to_admin(graph, source), start=1)
        for e in route.edges
    ]
    assert not app.exception
    assert app.selectbox(key=keys.PATHS_SOURCE).value == source
    assert app.selectbox(key=keys.PATHS_TARGET).value == ADMIN
    assert step_rows(app) == expected
    assert len(app.get("iframe")) == 1


def test_paths_between_two_principals(open_page: OpenPage) -> None:
    app = open_page("paths", [str(TAGGED)])
    app.selectbox(key=keys.PATHS_SOURCE).set_value(ALICE)
    app.selectbox(key=keys.PATHS_TARGET).set_value(AUDIT).run()

    assert not app.exception
    assert step_rows(app) == [
        (1, ALICE, "assume_role", DEPLOYER),
        (1, DEPLOYER, "assume_role", AUDIT),
    ]


def test_paths_to_any_admin(open_page: OpenPage) -> None:
    app = open_page("paths", [str(TAGGED)])
    app.selectbox(key=keys.PATHS_SOURCE).set_value(ALICE).run()

    assert not app.exception
    assert step_rows(app) == [
        (1, ALICE, "assume_role", DEPLOYER),
        (1, DEPLOYER, "assume_role", ADMIN_ROLE),
    ]


def test_paths_says_when_there_is_no_route(open_page: OpenPage) -> None:
    app = open_page("paths", [str(TAGGED)])
    app.selectbox(key=keys.PATHS_SOURCE).set_value(AUDIT).run()

    assert not app.exception
    assert step_rows(app) == []
    assert [i.value for i in app.info] == ["No route."]


def test_markup_in_names_stays_text_on_paths(open_page: OpenPage) -> None:
    markup_id = f"arn:aws:iam::aws:user/{XSS}"
    app = open_page("paths", [str(TAGGED)])
    app.selectbox(key=keys.PATHS_SOURCE).set_value(markup_id)
    app.selectbox(key=keys.PATHS_TARGET).set_value(markup_id).run()

    assert not app.exception
    assert "<img" not in markdown_text(app)


def test_large_graphs_filter_before_picking(
    open_page: OpenPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(widgets, "PICKER_LIMIT", 2)
    app = open_page("paths", [str(TAGGED)])
    app.text_input(key=f"{keys.PATHS_SOURCE}.filter").input("alice").run()

    picker = app.selectbox(key=keys.PATHS_SOURCE)
    assert not app.exception
    assert picker.options == [DEPLOYER, ALICE]
    picker.set_value(ALICE).run()
    assert step_rows(app) == [
        (1, ALICE, "assume_role", DEPLOYER),
        (1, DEPLOYER, "assume_role", ADMIN_ROLE),
    ]
