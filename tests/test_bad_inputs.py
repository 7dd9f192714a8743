"""The bad-input table's machinery on a few of its cases, and the committed table itself
(issue 16: >= 40 bad inputs and faults, nothing of the user's lost in any)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def table():
    spec = importlib.util.spec_from_file_location("bad_inputs", ROOT / "benchmarks/bad_inputs.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scratch(table, tmp_path_factory) -> tuple[Path, set[str]]:
    """The user's things (one set for all cases: each case cleans up after itself)."""
    root = tmp_path_factory.mktemp("scratch")
    table.fixtures(root)
    return root, {p.name for p in root.iterdir()}


@pytest.mark.parametrize(
    ("what", "code", "message"),
    [
        ("--out is the user's file", 2, "output notes.txt: is a file"),
        ("--out inside a store", 2, "lies inside the store"),
        ("a second writer of one output", 2, "another rsmine process"),
        ("input chunk altered (one bit)", 2, "fails its crc32c checksum"),
    ],
)
def test_cases_keep_the_users_things(table, scratch, what, code, message):
    root, base = scratch
    case = next(c for c in table.cases() if c.what == what)
    row, ok = table.try_case(1, case, root, base)
    assert ok, row
    assert row[3] == code and message in row[4]
    assert {p.name for p in root.iterdir()} == base


def test_the_committed_table_has_40_cases_and_no_failure(table):
    text = (ROOT / "docs/bad-inputs.md").read_text()
    rows = [line for line in text.splitlines() if re.match(r"\| \d+ \|", line)]
    assert len(rows) >= 40 and len(rows) == len(table.cases())
    assert "FAILED" not in text and "Traceback" not in text
