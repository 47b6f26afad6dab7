"""Trust policy read-back: from a plain export, a zip member, or URL-encoded JSON."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from urllib.parse import quote

from conftest import TAGGED

from crosstrust import load_graph
from crosstrust.explorer.documents import read_trust_policy

DEPLOYER = "arn:aws:iam::111111111111:role/deployer"
ALICE = "arn:aws:iam::111111111111:user/alice"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "sts:AssumeRole"}
    ],
}


def test_reads_the_policy_from_a_plain_export() -> None:
    graph = load_graph(TAGGED)

    assert read_trust_policy(graph.principal(DEPLOYER)) == TRUST
    assert read_trust_policy(graph.principal(ALICE)) is None


def test_reads_a_url_encoded_policy_inside_a_zip(tmp_path: Path) -> None:
    export = json.loads((TAGGED / "111111111111.authz.json").read_text())
    for role in export["RoleDetailList"]:
        role["AssumeRolePolicyDocument"] = quote(
            json.dumps(role["AssumeRolePolicyDocument"])
        )
    archive = tmp_path / "snapshot.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("aws/111111111111.authz.json", json.dumps(export))

    graph = load_graph(archive)

    assert read_trust_policy(graph.principal(DEPLOYER)) == TRUST


def test_a_vanished_export_gives_none(tmp_path: Path) -> None:
    copy = tmp_path / "a.json"
    copy.write_text((TAGGED / "111111111111.authz.json").read_text())
    graph = load_graph(copy)
    copy.unlink()

    assert read_trust_policy(graph.principal(DEPLOYER)) is None
