"""Principal page: trust policy, who reaches it, what it reaches, admin, tags."""

from __future__ import annotations

import json

import pytest
from conftest import (
    TAGGED,
    XSS,
    OpenPage,
    all_frames_text,
    markdown_text,
    sample_inputs,
)

from crosstrust.explorer import keys

ALICE = "arn:aws:iam::111111111111:user/alice"
DEPLOYER = "arn:aws:iam::111111111111:role/deployer"
ADMIN_ROLE = "arn:aws:iam::111111111111:role/admin"
AUDIT = "arn:aws:iam::222222222222:role/audit"


def _ids_under(app, heading: str) -> set[str]:  # noqa: ANN001
    """Ids of the principals table that follows a subheader."""
    frames = [
        d.value for d in app.dataframe if list(d.value.columns)[:2] == ["id", "kind"]
    ]
    index = 0 if heading == "who" else 1
    return set(frames[index]["id"])


def test_principal_page_runs_on_the_sample(open_page: OpenPage) -> None:
    app = open_page("principal", sample_inputs())

    assert not app.exception
    assert app.selectbox(key=keys.PRINCIPAL).value


def test_principal_shows_trust_policy_and_reach(open_page: OpenPage) -> None:
    app = open_page("principal", [str(TAGGED)])
    app.selectbox(key=keys.PRINCIPAL).set_value(DEPLOYER).run()

    policy = json.loads(app.code[1].value)
    assert not app.exception
    assert policy["Statement"][0]["Principal"] == {"AWS": ALICE}
    assert _ids_under(app, "who") == {ALICE}
    # Every loaded principal also stands in its account root's caller set.
    assert _ids_under(app, "what") == {
        ADMIN_ROLE,
        AUDIT,
        "arn:aws:iam::111111111111:root",
        "aws-org-callers:loaded",
    }
    assert [w.value for w in app.main.warning] == [
        "Not admin itself, but has a route to admin (see Paths)."
    ]


def test_principal_shows_admin_reason(open_page: OpenPage) -> None:
    app = open_page("principal", [str(TAGGED)])
    app.selectbox(key=keys.PRINCIPAL).set_value(ADMIN_ROLE).run()

    assert not app.exception
    assert len(app.error) == 1
    assert "AdministratorAccess" in app.error[0].value


def test_markup_in_tags_and_names_stays_text(open_page: OpenPage) -> None:
    app = open_page("principal", [str(TAGGED)])
    app.selectbox(key=keys.PRINCIPAL).set_value(f"arn:aws:iam::aws:user/{XSS}").run()

    assert not app.exception
    assert app.code[0].value == f"arn:aws:iam::aws:user/{XSS}"
    assert f"{XSS},{XSS}" in all_frames_text(app)
    assert "<img" not in markdown_text(app)


def test_sample_markup_tag_stays_text(open_page: OpenPage) -> None:
    intern = "arn:aws:iam::333333333333:user/intern"
    inputs = sample_inputs()
    app = open_page("principal", inputs)
    if intern not in app.selectbox(key=keys.PRINCIPAL).options:
        pytest.skip("the sample in use has no dev/intern user")
    app.selectbox(key=keys.PRINCIPAL).set_value(intern).run()

    tags = next(
        d.value for d in app.dataframe if list(d.value.columns) == ["tag", "value"]
    )
    assert not app.exception
    assert dict(zip(tags["tag"], tags["value"], strict=True))["display-name"] == XSS
    assert "<img" not in markdown_text(app)
