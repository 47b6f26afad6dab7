"""Hostile names, tags and subjects reach every output inert.

The hostile principals come in through the clouds' own export shapes: an AWS
role whose name, description and tags carry markup, escapes and formulas and
which trusts a GitHub subject carrying them too; a GCP member whose e-mail local
part carries them; an Azure service principal whose displayName does.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from crosstrust import load_graph
from crosstrust.cli import main
from crosstrust.notebook import load

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"

HTML_TAG = "<img src=x onerror=alert(1)>"
SCRIPT_END = "</script>"
JS_LINK = "[x](javascript:alert(1))"
FORMULA = '=HYPERLINK("http://evil.example","x")'
SGR = "\x1b[31m"
OSC8 = "\x1b]8;;http://evil.example\x07"
PAYLOAD = f"{FORMULA}{HTML_TAG}{SCRIPT_END}{JS_LINK}|a|b|{SGR}red{OSC8}link"
ROLE = f"arn:aws:iam::222222222222:role/{PAYLOAD}"
GCP_MEMBER = f'user:"{HTML_TAG}|{SGR}"@example.com'


def _aws(folder: Path) -> None:
    path = folder / "aws" / "222222222222-prod.authz.json"
    export = json.loads(path.read_text())
    provider = (
        "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com"
    )
    export["RoleDetailList"].append(
        {
            "Path": "/",
            "RoleName": PAYLOAD,
            "RoleId": "AROAHOSTILEHOSTILE01",
            "Arn": ROLE,
            "Description": PAYLOAD,
            "Tags": [
                {"Key": "owner", "Value": PAYLOAD},
                {"Key": PAYLOAD, "Value": "x"},
            ],
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": PAYLOAD[:60],
                        "Effect": "Allow",
                        "Principal": {"AWS": "*"},
                        "Action": "sts:AssumeRole",
                    },
                    {
                        "Effect": "Allow",
                        "Principal": {"Federated": provider},
                        "Action": "sts:AssumeRoleWithWebIdentity",
                        "Condition": {
                            "StringLike": {
                                "token.actions.githubusercontent.com:sub": (
                                    f"repo:{PAYLOAD}:*"
                                )
                            }
                        },
                    },
                ],
            },
            "RolePolicyList": [],
            "AttachedManagedPolicies": [
                {
                    "PolicyName": "AdministratorAccess",
                    "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess",
                }
            ],
        }
    )
    path.write_text(json.dumps(export))


def _gcp(folder: Path) -> None:
    path = folder / "gcp" / "iam-policies.search.json"
    rows = json.loads(path.read_text())
    rows[2]["policy"]["bindings"].append(
        {"role": "roles/iam.serviceAccountTokenCreator", "members": [GCP_MEMBER]}
    )
    path.write_text(json.dumps(rows))


def _azure(folder: Path) -> None:
    path = folder / "azure" / "service_principals.json"
    rows = json.loads(path.read_text())
    rows[0]["displayName"] = PAYLOAD
    rows[0]["appDisplayName"] = PAYLOAD
    path.write_text(json.dumps(rows))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile") / "estate"
    shutil.copytree(SAMPLE, folder)
    _aws(folder)
    _gcp(folder)
    _azure(folder)
    return folder


def test_the_hostile_principals_are_really_loaded(hostile: Path) -> None:
    graph = load_graph(hostile)
    names = {p.name for p in graph.principals()}
    assert ROLE in graph
    assert GCP_MEMBER in graph
    assert PAYLOAD in names
    assert graph.principal(ROLE).tags["owner"] == PAYLOAD


def _report(hostile: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["report", str(hostile), *args])
    assert result.exit_code == 0, result.output
    # Log lines go to stderr; whether they are captured here depends on
    # which CLI test configured logging first in this worker.
    _terminal_safe(result.stderr)
    return result.stdout


def _terminal_safe(text: str) -> None:
    assert "\x1b" not in text
    assert "\x07" not in text


def test_table_output_carries_no_terminal_escapes(hostile: Path) -> None:
    out = _report(hostile)
    _terminal_safe(out)
    assert "222222222222:role/=HYPERLINK" in out  # shown, as text


def test_markdown_output_has_no_live_markup(hostile: Path) -> None:
    out = _report(hostile, "--format", "markdown")
    _terminal_safe(out)
    assert "<img" not in out and "</script" not in out
    assert "](javascript" not in out
    lines = out.splitlines()
    checked = 0
    columns = 0
    for line, following in zip(lines, [*lines[1:], ""], strict=True):
        if following.startswith("| ---"):
            columns = line.count("|")
        if line.startswith("|") and "HYPERLINK" in line:
            # A cloud-supplied "|" never adds a table column.
            assert line.replace("\\|", "").count("|") == columns, line
            checked += 1
    assert checked


def test_json_output_is_valid_and_keeps_the_names_exact(hostile: Path) -> None:
    out = _report(hostile, "--format", "json")
    _terminal_safe(out)  # control characters are \u-escaped
    report = json.loads(out)
    assert ROLE in {f["subject"] for f in report["findings"]}


def test_paths_table_carries_no_terminal_escapes(hostile: Path) -> None:
    result = CliRunner().invoke(
        main, ["paths", str(hostile), "--from", ROLE, "--to", "admin"]
    )
    assert result.exit_code in (0, 2), result.output
    _terminal_safe(result.output)


def test_graph_summary_and_json_carry_no_terminal_escapes(hostile: Path) -> None:
    for fmt in ("summary", "json"):
        result = CliRunner().invoke(main, ["graph", str(hostile), "--format", fmt])
        assert result.exit_code == 0, result.output
        _terminal_safe(result.output)
    nodes = json.loads(result.stdout)["nodes"]
    assert {ROLE, GCP_MEMBER} <= {n["id"] for n in nodes}
    assert PAYLOAD in {n.get("name") for n in nodes}


def _no_live_html(markup: str) -> None:
    assert HTML_TAG not in markup
    assert "<img" not in markup
    assert SCRIPT_END not in markup.replace("</script>\n", "").replace(
        "</script>", ""
    ) or markup.count(SCRIPT_END) == markup.count("<script")
    assert "\x1b" not in markup


def test_notebook_drawing_escapes_names(hostile: Path) -> None:
    analysis = load(hostile)
    drawing = str(analysis.draw([ROLE, GCP_MEMBER]))
    _no_live_html(drawing)
    # Ids travel as JSON inside the page's script, with "<" as \u003c.
    assert "\\u003cimg src=x" in drawing


def test_notebook_reprs_escape_names(hostile: Path) -> None:
    analysis = load(hostile)
    for frame in (analysis.findings(), analysis.principals(), analysis.edges()):
        _no_live_html(frame._repr_html_())
    _no_live_html(analysis._repr_html_())


def test_explorer_graph_view_escapes_names(hostile: Path) -> None:
    from crosstrust.explorer.graphview import render_routes_html
    from queries.paths import routes_to_admin

    graph = load_graph(hostile)
    routes = routes_to_admin(graph, GCP_MEMBER, limit=3) or routes_to_admin(
        graph, ROLE, limit=3
    )
    markup = render_routes_html(graph, routes)
    _no_live_html(markup)


def test_explorer_csv_download_neutralises_formulas(hostile: Path) -> None:
    import csv
    import io

    from crosstrust.explorer.tables import findings_csv
    from crosstrust.notebook import load as load_analysis

    frame = load_analysis(hostile).findings()
    frame["title"] = PAYLOAD  # a column that opens with the formula
    text = findings_csv(frame).decode("utf-8")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert PAYLOAD not in cells
    assert f"'{PAYLOAD}" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]


def test_explorer_pages_show_names_as_text(
    hostile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    from crosstrust.explorer import keys

    monkeypatch.setenv(keys.ENV_INPUTS, json.dumps([str(hostile)]))
    for page in ("overview", "findings", "principal"):
        monkeypatch.setenv(keys.ENV_START_PAGE, page)
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
        assert not app.exception, page
        if page == "principal":
            app.selectbox(key=keys.PRINCIPAL).set_value(ROLE).run()
            assert not app.exception
        texts = [m.value for m in app.markdown]
        for kind in ("caption", "info", "warning", "error", "success", "subheader"):
            texts.extend(str(e.value) for e in getattr(app, kind))
        for text in texts:
            assert "<img" not in text, (page, text)
            assert "](javascript" not in text, (page, text)
            assert "\x1b" not in text, (page, text)
        for html_element in app.get("html"):
            _no_live_html(str(html_element.proto))


def test_html_report_has_no_live_markup(hostile: Path) -> None:
    out = _report(hostile, "--format", "html")
    assert HTML_TAG not in out
    assert "<img" not in out
    assert 'href="javascript' not in out.lower()
    assert "\x1b" not in out and "\x07" not in out
    assert "HYPERLINK" in out  # the name is shown, escaped


def test_sarif_report_is_valid_json_with_inert_text(hostile: Path) -> None:
    out = _report(hostile, "--format", "sarif")
    _terminal_safe(out)
    sarif = json.loads(out)
    results = [r for run in sarif["runs"] for r in run["results"]]
    texts = json.dumps(results, ensure_ascii=False)
    assert "HYPERLINK" in texts
    # SARIF viewers render message.markdown; a raw tag or link must not be in it.
    for result in results:
        markdown = result.get("message", {}).get("markdown", "")
        assert "<img" not in markdown and "](javascript" not in markdown
