"""The Makefile's demo follow-ups (``make report``, ``make rerun``) run the demo
configuration, never config.yaml's paper-scale study (real make, real snakemake dry-run)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = "--configfile config/demo.yaml --replace-workflow-config"

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="no make")


def _make(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """make in the checkout with this interpreter's venv and a fresh stamp (so nothing installs)."""
    stamp = tmp_path / "installed"
    stamp.touch()
    cmd = ["make", f"VENV={sys.prefix}", f"STAMP={stamp}", *args]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)


def test_every_demo_follow_up_runs_the_demo_configuration(tmp_path):
    done = _make(tmp_path, "-n", "demo", "report", "rerun", "RULE=aggregate")
    assert done.returncode == 0, done.stderr
    calls = [line for line in done.stdout.splitlines() if "/snakemake " in line]
    assert len(calls) == 4  # demo: run + report; report; rerun
    for line in calls:
        assert DEMO in line, line
    assert calls[-1].endswith(f"{DEMO} --forcerun aggregate ")


def test_rerun_is_a_dry_run_of_the_demo_only(tmp_path):
    workdir = tmp_path / "work"
    workdir.mkdir()
    done = _make(tmp_path, "rerun", "RULE=aggregate", f"ARGS=-n --directory {workdir}")
    assert done.returncode == 0, done.stderr
    out = done.stdout + done.stderr
    header = re.search(r"Config file\(s\): (.*)", out)[1]
    assert header == f"[PosixPath('{ROOT / 'config' / 'demo.yaml'}')]"  # config.yaml not read
    assert "Config file config.yaml" not in out
    total = int(re.search(r"^total\s+(\d+)", out, re.MULTILINE)[1])
    assert 0 < total < 744  # 744: the paper-scale study of config.yaml
    assert not any(workdir.glob("demo-out"))  # a dry-run


def test_rerun_without_a_rule_says_how_to_call_it(tmp_path):
    done = _make(tmp_path, "rerun")
    assert done.returncode == 2
    assert "usage: make rerun RULE=<rule, e.g. aggregate> [ARGS=-n]" in done.stderr
