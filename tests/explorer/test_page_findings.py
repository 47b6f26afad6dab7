"""Findings page: filters, selection with evidence and route, safe downloads."""

from __future__ import annotations

import pandas as pd
from conftest import (
    TAGGED,
    OpenPage,
    markdown_text,
    sample_inputs,
    step_rows,
)

from crosstrust.explorer import keys

ALICE = "arn:aws:iam::111111111111:user/alice"
DEPLOYER = "arn:aws:iam::111111111111:role/deployer"
ADMIN = "arn:aws:iam::111111111111:role/admin"


def _table(app) -> pd.DataFrame:  # noqa: ANN001
    return app.dataframe(key=keys.FINDINGS_TABLE).value


def test_findings_severity_filter_narrows_the_table(open_page: OpenPage) -> None:
    app = open_page("findings", sample_inputs())
    everything = _table(app)
    severity = app.multiselect(key=keys.FINDINGS_SEVERITY)
    worst = severity.options[0]

    severity.set_value([worst]).run()

    shown = _table(app)
    assert not app.exception
    assert len(shown) == int((everything["severity"] == worst).sum())
    assert 0 < len(shown) < len(everything)
    assert set(shown["severity"]) == {worst}


def test_findings_filters_by_container_and_rule(open_page: OpenPage) -> None:
    app = open_page("findings", [str(TAGGED)])
    app.multiselect(key=keys.FINDINGS_RULE).set_value(
        ["path.escalation-to-admin"]
    ).run()

    shown = _table(app)
    assert not app.exception
    assert set(zip(shown["rule"], shown["subject"], strict=True)) == {
        ("path.escalation-to-admin", ALICE),
        ("path.escalation-to-admin", DEPLOYER),
    }
    assert set(shown["container"]) == {"111111111111"}


def test_selected_finding_shows_its_route_and_evidence(open_page: OpenPage) -> None:
    app = open_page("findings", [str(TAGGED)])
    subjects = list(_table(app)["subject"])
    row = subjects.index(ALICE)

    app.session_state[keys.FINDINGS_TABLE] = {
        "selection": {"rows": [row], "columns": [], "cells": []}
    }
    app.run()

    assert not app.exception
    assert step_rows(app) == [
        (1, ALICE, "assume_role", DEPLOYER),
        (1, DEPLOYER, "assume_role", ADMIN),
    ]
    assert len(app.get("iframe")) == 1
    assert "<img" not in markdown_text(app)
