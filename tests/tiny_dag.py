"""The tiny configuration run once per test session with the local profile (a helper module:
the workflow tests and the real-SLURM tests share this run; no test module imports another)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import NamedTuple

from snakemake_runner import ROOT, load, snakemake, write_config

ODD_RESULTS = 'notes and results (it\'s "odd") $(touch pwned) `touch pwned`'
"""A results directory with spaces, parentheses, quotes and command substitutions."""
NOTES = b"the user's notes\n"


class TinyRun(NamedTuple):
    """Where the tiny DAG's results are, the configuration file it ran, its output, wall time."""

    results: Path
    configfile: Path
    result: subprocess.CompletedProcess
    seconds: float


def run_tiny_dag(workdir: Path) -> TinyRun:
    """The tiny configuration end to end with the local profile (real commands, mpiexec), its
    results in a directory whose name a shell would split and run, beside a user's file
    ``notes`` that an unquoted ``2> .../notes and results/...`` would truncate."""
    (workdir / "notes").write_bytes(NOTES)
    config = dict(load("config/tiny.yaml"), results=str(workdir / ODD_RESULTS))
    configfile = write_config(workdir / "tiny.yaml", config)
    profile = str(ROOT / "profiles/local")
    started = time.perf_counter()
    result = snakemake(workdir, "--profile", profile, configfile=configfile, timeout=1800)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return TinyRun(workdir / ODD_RESULTS, configfile, result, time.perf_counter() - started)
