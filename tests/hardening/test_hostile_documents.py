"""Hostile exports through the real load → build → rules → report stages.

Every generated case must either load (bad parts becoming coverage gaps named by
file, and by statement for policies) or be refused with a project error naming
the file; never a traceback from inside, never a run past its time bound.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph import build_graph, load_inputs
from graph.aws.policy import MAX_STATEMENTS, MAX_VALUES
from graph.gcp.grants import MAX_POLICY_GRANTS
from tests.hardening.hostile import (
    BIG,
    mutated_document,
    policy_documents,
    sample_documents,
)
from tests.hardening.pipeline import run_case, time_bound, write_case

SAFE = {"ok", "refused", "net"}
FUZZ = settings(
    max_examples=60,
    derandomize=True,  # stable cost in the suite; the campaign explores
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
DOCUMENTS = sample_documents()


def _run(data: Any) -> tuple[str, str]:
    folder = Path(tempfile.mkdtemp(prefix="hostile-"))
    try:
        write_case(folder, "case.json", data)
        outcome = run_case(folder, seconds=20)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return outcome.verdict, outcome.detail


@FUZZ
@given(mutated_document(DOCUMENTS))
def test_mutated_exports_load_or_are_refused_by_name(data: Any) -> None:
    verdict, detail = _run(data)
    assert verdict in SAFE, detail


def _role_with(trust: Any, inline: Any) -> dict[str, Any]:
    return {
        "UserDetailList": [],
        "GroupDetailList": [],
        "Policies": [],
        "RoleDetailList": [
            {
                "RoleName": "fuzzed",
                "RoleId": "AROAFUZZFUZZFUZZFUZZ",
                "Arn": "arn:aws:iam::111111111111:role/fuzzed",
                "AssumeRolePolicyDocument": trust,
                "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": inline}],
            }
        ],
    }


@FUZZ
@given(policy_documents(), policy_documents())
def test_hostile_policy_documents_in_an_export(trust: Any, inline: Any) -> None:
    verdict, detail = _run(_role_with(trust, inline))
    assert verdict in {"ok", "refused"}, detail


def _gaps(tmp_path: Path, data: Any) -> list[tuple[str, str, str]]:
    write_case(tmp_path, "export.json", data)
    graph = build_graph(load_inputs([tmp_path]))
    return [(g.scope, g.reason, g.detail) for g in graph.coverage]


ALLOW = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}


@pytest.mark.parametrize(
    ("statement", "detail"),
    [
        ([ALLOW] * (MAX_STATEMENTS + 1), f"(limit {MAX_STATEMENTS})"),
        (
            {**ALLOW, "Condition": {"StringEquals": {"sts:ExternalId": ["x"] * 6000}}},
            f"statement 0 Condition StringEquals: 6000 values (limit {MAX_VALUES})",
        ),
        ({**ALLOW, "Effect": "Maybe"}, "statement 0: Effect must be Allow or Deny"),
        ({**ALLOW, "Condition": "x\x00y"}, "statement 0: Condition must be an object"),
    ],
)
def test_what_a_bound_cuts_is_reported_by_file_and_statement(
    tmp_path: Path, statement: Any, detail: str
) -> None:
    inline = {"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}
    export = _role_with({"Version": "2012-10-17", "Statement": statement}, inline)
    gaps = _gaps(tmp_path, export)
    malformed = [g for g in gaps if g[1] == "malformed-policy"]
    assert [g[0] for g in malformed] == [str(tmp_path / "export.json")]
    role = "arn:aws:iam::111111111111:role/fuzzed"
    assert malformed[0][2].startswith(f"{role}: {role} trust policy")
    assert detail in malformed[0][2]


def test_a_gcp_policy_past_the_principal_limit_is_cut_and_reported(
    tmp_path: Path,
) -> None:
    members = [f"user:u{n}@example.com" for n in range(MAX_POLICY_GRANTS + 10)]
    search = [
        {
            "resource": "//cloudresourcemanager.googleapis.com/projects/p",
            "project": "projects/1",
            "policy": {
                "bindings": [
                    {"role": "roles/viewer", "members": members},
                    {"role": "roles/owner", "members": ["user:late@example.com"]},
                ]
            },
        }
    ]
    gaps = _gaps(tmp_path, search)
    assert [(g[1], g[2]) for g in gaps if g[1] == "too-large"] == [
        (
            "too-large",
            "//cloudresourcemanager.googleapis.com/projects/p: over "
            f"{MAX_POLICY_GRANTS} grants; bindings[1:] not read",
        )
    ]


@pytest.mark.parametrize(
    "text",
    [
        "{" * 100_000,
        "[" * 100_000 + "]" * 100_000,
        json.dumps({"RoleDetailList": [{"RoleName": BIG, "Arn": BIG}]}),
        '{"RoleDetailList": [{"RoleName": "a\\u0000b", "Arn": 7}]}',
        "\x00" * 1000,
        "\ufeff\ufeff{}",
    ],
    ids=[
        "unclosed-deep",
        "deep-list",
        "megabyte-name",
        "nul-and-int-arn",
        "nul",
        "bom",
    ],
)
def test_odd_files_are_loaded_or_refused_by_name(text: str) -> None:
    verdict, detail = _run(text)
    assert verdict in SAFE, detail


@settings(max_examples=25, deadline=None, database=None, derandomize=True)
@given(st.sampled_from(DOCUMENTS), st.integers(min_value=0, max_value=40))
def test_truncated_exports_are_gaps_named_by_file(
    named: tuple[str, Any], cut: int
) -> None:
    text = json.dumps(named[1])
    folder = Path(tempfile.mkdtemp(prefix="truncated-"))
    try:
        path = write_case(folder, "cut.json", text[: max(1, len(text) * cut // 41)])
        inventory = load_inputs([folder])
        assert [(g.scope, g.reason) for g in inventory.coverage] == [
            (str(path), "malformed")
        ]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_megabyte_name_in_a_coverage_gap_renders_as_a_cut_cell() -> None:
    from graph.model import CoverageGap
    from graph.trustgraph import TrustGraph
    from reports.document import build_report
    from reports.table import MAX_CELL, render_table

    document = build_report(TrustGraph())
    document.coverage.append(CoverageGap("user:" + BIG * 3, "too-large", "x"))
    with time_bound(20):
        text = render_table(document)
    flat = "".join(text.split()).replace("│", "")
    assert f"…({3 * len(BIG) + 5 - MAX_CELL}morecharacters)" in flat
    assert len(text) < 20 * MAX_CELL


def test_a_zip_that_unpacks_past_the_limit_is_cut_and_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zipfile

    import graph.load

    monkeypatch.setattr(graph.load, "MAX_FILE_BYTES", 4096)
    export = json.dumps({"RoleDetailList": [], "UserDetailList": []})
    bundle = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.json", export)
        archive.writestr("b.json", " " * (4090 - len(export)) + export)  # total over
        archive.writestr("c.json", " " * 9000)  # over on its own
    inventory = load_inputs([bundle])

    assert [(g.scope, g.reason) for g in inventory.coverage] == [
        (f"{bundle}!b.json", "too-large"),
        (f"{bundle}!c.json", "too-large"),
    ]
    assert bundle.stat().st_size < 4096
