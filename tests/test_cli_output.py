"""``--out`` guard of every command that writes a store: refused before any work, exit 2,
one line naming the path, and the user's files intact (real console script, real mpiexec)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from factories import write_samples

from rsmine import stores

BIN = Path(sys.executable).parent
SLOW = ["--samples", "100000000", "--seed", "1"]
"""Sizes that would run for hours: a refusal that comes after the work times the test out."""
DIMER_SLOW = ["--sweeps", "100000", "--seed", "1"]
COMMANDS = {
    "ising": ["simulate", "ising", "--L", "256", "--T", "2.269", *SLOW],
    "chipping": ["simulate", "chipping", "--L", "4096", "--w", "1.0", *SLOW],
    "dimers": ["simulate", "dimers", "--n", "64", "--T", "0.65", "--chains", "64", *DIMER_SLOW],
}


def _run(argv: list[str], *, mpi: int = 0, user: list[str] = ()) -> subprocess.CompletedProcess:
    launcher = [str(BIN / "mpiexec"), "-n", str(mpi)] if mpi else []
    cmd = [*user, *launcher, str(BIN / "rsmine"), *argv]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def _refused_in_one_line(done: subprocess.CompletedProcess, prefix: str, message: str) -> None:
    assert done.returncode == 2, done.stderr
    lines = set(done.stderr.strip().splitlines())  # one line (the same one from every rank)
    assert len(lines) == 1, done.stderr
    line = lines.pop()
    assert line.startswith(f"rsmine {prefix}: output ") and message in line, line


def _precious(path: Path) -> Path:
    path.mkdir()
    (path / "thesis.tex").write_text("do not delete")
    return path


@pytest.fixture
def samples(tmp_path) -> Path:
    """A complete rsmine samples store (12x12 spins) for ``rsmine optimise``."""
    path = tmp_path / "samples.zarr"
    configs = np.random.default_rng(0).choice(np.array([-1, 1], np.int8), (100, 12, 12))
    return write_samples(path, configs, {"model": "test"})


def _optimise(samples: Path) -> list[str]:
    window = ["--lv", "2", "--lb", "1", "--le", "2", "--runs", "1", "--seed", "1"]
    return ["optimise", "--samples", str(samples), *window]


@pytest.mark.parametrize("model", ["ising", "chipping"])
def test_simulate_refuses_a_directory_of_user_files(tmp_path, model):
    precious = _precious(tmp_path / "mydir")
    done = _run([*COMMANDS[model], "--out", str(precious)])
    message = f"{precious}: is a directory with 1 entries that is not an rsmine store"
    _refused_in_one_line(done, f"simulate {model}", message)
    assert (precious / "thesis.tex").read_text() == "do not delete"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mydir"]


@pytest.mark.mpi
def test_simulate_dimers_under_mpiexec_refuses_a_directory_of_user_files(tmp_path):
    precious = _precious(tmp_path / "mydir")
    done = _run([*COMMANDS["dimers"], "--out", str(precious)], mpi=2)
    message = f"{precious}: is a directory with 1 entries that is not an rsmine store"
    _refused_in_one_line(done, "simulate dimers", message)
    assert (precious / "thesis.tex").read_text() == "do not delete"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mydir"]


def test_optimise_refuses_a_directory_of_user_files(tmp_path, samples):
    precious = _precious(tmp_path / "mydir")
    done = _run([*_optimise(samples), "--out", str(precious)])
    message = f"{precious}: is a directory with 1 entries that is not an rsmine store"
    _refused_in_one_line(done, "optimise", message)
    assert (precious / "thesis.tex").read_text() == "do not delete"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mydir", "samples.zarr"]


@pytest.mark.parametrize("model", sorted(COMMANDS))
def test_simulate_refuses_a_file_and_a_missing_parent_before_any_work(tmp_path, model):
    file = tmp_path / "notes.txt"
    file.write_text("mine")
    _refused_in_one_line(
        _run([*COMMANDS[model], "--out", str(file)]), f"simulate {model}", "is a file"
    )
    assert file.read_text() == "mine"
    missing = tmp_path / "no" / "such" / "s.zarr"
    done = _run([*COMMANDS[model], "--out", str(missing)])
    _refused_in_one_line(done, f"simulate {model}", f"parent directory {missing.parent} does")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_simulate_refuses_another_kind_of_store(tmp_path, samples):
    runs = tmp_path / "runs.zarr"
    with stores.building(runs, "runs", {}, stores.seed_record(0)):
        pass
    done = _run([*COMMANDS["ising"], "--out", str(runs)])
    _refused_in_one_line(done, "simulate ising", "is an rsmine runs store, not a samples store")
    done = _run([*_optimise(samples), "--out", str(samples)])
    _refused_in_one_line(done, "optimise", f"is the input {samples}")
    stores.open_store(runs, "runs")
    stores.read_samples(samples)


def test_an_unwritable_parent_is_refused(samples):
    """Root writes anywhere, so as root the command runs as user nobody (setpriv)."""
    user: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: no directory is unwritable")
        user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        reach = subprocess.run([*user, str(BIN / "rsmine"), "--help"], capture_output=True)
        if reach.returncode != 0:  # e.g. a checkout under a 0700 `mktemp -d` directory
            pytest.skip(f"user nobody cannot run {BIN / 'rsmine'} in this checkout")
    parent = Path(tempfile.mkdtemp(prefix="rsmine-ro-"))
    try:
        shutil.copytree(samples, parent / "samples.zarr")
        for path in (parent, *parent.rglob("*")):
            path.chmod(0o555 if path.is_dir() else 0o444)
        for argv in (COMMANDS["ising"], _optimise(parent / "samples.zarr")):
            done = _run([*argv, "--out", str(parent / "out.zarr")], user=user)
            name = "optimise" if argv[0] == "optimise" else "simulate ising"
            _refused_in_one_line(done, name, f"parent directory {parent} is not writable")
        assert sorted(p.name for p in parent.iterdir()) == ["samples.zarr"]
    finally:
        for path in (parent, *parent.rglob("*")):
            path.chmod(0o755)
        shutil.rmtree(parent)


def test_top_level_help_is_user_help():
    done = _run(["--help"])
    assert done.returncode == 0
    text = done.stdout
    assert text.startswith("usage: rsmine") and "RSMI" in text and "docs/stores.md" in text
    for command in ("simulate", "optimise", "info"):
        assert f"\n    {command}  " in text, command
    assert "argparse" not in text and "DESIGN.md" not in text  # not the module docstring


def test_info_on_what_is_not_a_store_cites_the_contract(tmp_path):
    done = _run(["info", str(_precious(tmp_path / "mydir"))])
    assert done.returncode == 2
    assert done.stderr.strip().endswith("(no zarr.json at its root); see docs/stores.md")
