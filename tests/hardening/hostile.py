"""Hostile inputs for the hardening suite: strategies that bend real exports.

Each strategy starts from a document the loader really recognises (the bundled
sample's own files) and replaces parts of it with wrong types, missing keys,
oversized or odd strings and deep nesting, so that generated cases reach the
builders and the policy evaluator rather than stopping at recognition.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"

ODD_STRINGS = (
    "",
    " ",
    "\x00",
    "role\x00name",
    "\u202eevil\u202c",  # right-to-left override
    "مدير",
    "管理者",
    "\U0001f480",
    "*",
    "?",
    "arn:aws:iam::*:role/*",
    "arn:aws:iam::123:root",
    "arn:aws:iam:::role/",
    "arn:",
    ":",
    "/",
    "serviceAccount:",
    "user:@",
    "deleted:",
    "principal://",
    "%7B%22Statement%22%3A",
    "<img src=x onerror=alert(1)>",
    "\x1b[31m",
    "x" * 300,
)

BIG = "A" * (1024 * 1024)


def odd_scalars() -> st.SearchStrategy[Any]:
    """Values of the wrong type or shape for any field."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from(ODD_STRINGS),
        st.text(max_size=40),
        st.just(BIG),
        st.just([]),
        st.just({}),
    )


def odd_values() -> st.SearchStrategy[Any]:
    """Scalars, plus small lists and objects of them, plus deep nesting."""
    return st.one_of(
        odd_scalars(),
        st.lists(odd_scalars(), max_size=4),
        st.dictionaries(st.sampled_from(ODD_STRINGS[:12]), odd_scalars(), max_size=3),
        st.integers(min_value=50, max_value=400).map(_deep),
    )


def _deep(depth: int) -> Any:
    value: Any = "x"
    for level in range(depth):
        value = {"StringEquals": value} if level % 2 else [value]
    return value


def sample_documents() -> list[tuple[str, Any]]:
    """Every bundled sample file, parsed: (name, content)."""
    found = []
    for path in sorted(SAMPLE.rglob("*.json*")):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".jsonl":
            data: Any = [json.loads(line) for line in text.splitlines() if line]
        else:
            data = json.loads(text)
        found.append((path.relative_to(SAMPLE).as_posix(), data))
    return found


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every location inside a JSON value, as a key/index tuple."""
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.extend(_paths(value, (*prefix, index)))
    return found


def _copy(data: Any) -> Any:
    return json.loads(json.dumps(data))


def _replace(data: Any, where: tuple[Any, ...], value: Any) -> Any:
    if not where:
        return value
    parent = data
    for key in where[:-1]:
        parent = parent[key]
    parent[where[-1]] = value
    return data


def _delete(data: Any, where: tuple[Any, ...]) -> Any:
    if not where:
        return data
    parent = data
    for key in where[:-1]:
        parent = parent[key]
    del parent[where[-1]]
    return data


@st.composite
def mutated_document(draw: st.DrawFn, documents: list[tuple[str, Any]]) -> Any:
    """One sample document with up to four parts replaced, deleted or blown up."""
    _, original = draw(st.sampled_from(documents))
    data = _copy(original)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        locations = _paths(data)
        where = draw(st.sampled_from(locations))
        action = draw(st.sampled_from(["replace", "replace", "delete", "repeat"]))
        if action == "delete" and where:
            data = _delete(data, where)
        elif action == "repeat":
            target = _get(data, where)
            if isinstance(target, list) and target:
                count = draw(st.sampled_from([50, 6000]))
                if len(json.dumps(target)) > 10_000:
                    count = 3  # a repeated megabyte string only costs memory
                # Copies, so a later mutation of one element touches only it.
                copies = [_copy(item) for item in (target * count)[:count]]
                data = _replace(data, where, copies)
            else:
                data = _replace(data, where, draw(odd_values()))
        else:
            data = _replace(data, where, draw(odd_values()))
    return data


def _get(data: Any, where: tuple[Any, ...]) -> Any:
    for key in where:
        data = data[key]
    return data


# Policy documents built from scratch, for the AWS evaluator.

ACTIONS = st.sampled_from(
    ["sts:AssumeRole", "sts:*", "*", "iam:PassRole", "sts:AssumeRoleWithWebIdentity"]
)
PRINCIPALS = st.one_of(
    st.just("*"),
    st.fixed_dictionaries(
        {
            "AWS": st.sampled_from(
                ["*", "111111111111", "arn:aws:iam::999999999999:root"]
            )
        }
    ),
    st.fixed_dictionaries({"Service": st.sampled_from(["ec2.amazonaws.com", "*"])}),
    st.fixed_dictionaries(
        {
            "Federated": st.just(
                "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"
            )
        }
    ),
    odd_values(),
)
OPERATORS = st.sampled_from(
    [
        "StringEquals",
        "StringLike",
        "ForAnyValue:StringLike",
        "ForAllValues:StringEquals",
        "ArnLike",
        "NumericLessThan",
        "DateGreaterThan",
        "Bool",
        "IpAddress",
        "Null",
        "StringEqualsIfExists",
        "NoSuchOperator",
    ]
)
KEYS = st.sampled_from(
    [
        "sts:ExternalId",
        "aws:SourceAccount",
        "token.actions.githubusercontent.com:sub",
        "aws:PrincipalTag/\u202eowner",
        "aws:MultiFactorAuthPresent",
    ]
)


def conditions() -> st.SearchStrategy[Any]:
    values = st.one_of(
        st.sampled_from(
            [
                "*",
                "repo:org/app:*",
                "true",
                "10.0.0.0/8",
                "2020-01-01T00:00:00Z",
                "\x00",
            ]
        ),
        st.lists(st.text(max_size=8), max_size=6),
        st.integers(min_value=5001, max_value=7000).map(
            lambda n: [str(i) for i in range(n)]
        ),
        odd_values(),
    )
    return st.one_of(
        st.dictionaries(
            OPERATORS, st.dictionaries(KEYS, values, max_size=3), max_size=3
        ),
        odd_values(),
    )


def statements() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.fixed_dictionaries(
            {
                "Effect": st.sampled_from(["Allow", "Deny", "allow", "Maybe"]),
                "Principal": PRINCIPALS,
                "Action": st.one_of(ACTIONS, st.lists(ACTIONS, max_size=3)),
            },
            optional={
                "Condition": conditions(),
                "Sid": odd_scalars(),
                "NotPrincipal": PRINCIPALS,
                "NotAction": ACTIONS,
                "Resource": odd_values(),
            },
        ),
        odd_values(),
    )


def policy_documents() -> st.SearchStrategy[Any]:
    body = st.one_of(
        st.lists(statements(), max_size=6),
        st.integers(min_value=4990, max_value=5100).map(
            lambda n: (
                [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "*"},
                        "Action": "sts:AssumeRole",
                    }
                ]
                * n
            )
        ),
        statements(),
        odd_values(),
    )
    document = st.fixed_dictionaries(
        {
            "Version": st.sampled_from(["2012-10-17", "2008-10-17", "bogus"]),
            "Statement": body,
        }
    )
    return st.one_of(document, document.map(json.dumps), odd_values())
