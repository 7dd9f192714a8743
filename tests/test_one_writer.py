"""One writer per output, and no output inside (or around) another store (issue 16 items 2, 4)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from rsmine import cli, stores
from rsmine.errors import InputError
from rsmine.writer_lock import WriterLock, holding, lock_path
from tests.writers import start_writer

BIN = Path(sys.executable).parent
ISING = ["simulate", "ising", "--L", "32", "--T", "2.3", "--samples", "120000", "--seed", "1"]
DIMERS = ["simulate", "dimers", "--n", "16", "--T", "0.65", "--chains", "4", "--sweeps", "20000"]


def _second(cmd: list[str]) -> subprocess.CompletedProcess:
    started = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert time.monotonic() - started < 20  # refused at once, not after a simulation
    return done


@pytest.mark.parametrize("mpi", [False, True], ids=["ising", "dimers-mpi"])
def test_a_second_writer_is_refused_at_once_and_the_first_completes(tmp_path, mpi):
    out = tmp_path / "same.zarr"
    if mpi:
        first = [BIN / "mpiexec", "-n", "2", BIN / "rsmine", *DIMERS, "--seed", "1"]
        second = [BIN / "rsmine", *DIMERS, "--seed", "2", "--out", out]
    else:
        first = [BIN / "rsmine", *ISING]
        second = [BIN / "rsmine", *ISING[:-1], "2", "--out", out]
    proc = start_writer([*first, "--out", out], out)
    refused = _second(second)
    _, stderr = proc.communicate(timeout=300)
    assert refused.returncode == 2
    assert f"output {out}: another rsmine process" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert proc.returncode == 0, stderr
    assert stores.open_store(out).attrs["seed"]["entropy"] == 1  # the first writer's store
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same.zarr"]  # lock file removed


def test_a_lock_is_exclusive_and_released(tmp_path):
    out = tmp_path / "s.zarr"
    with holding(out) as held:
        assert held.path.read_text().strip().isdigit()
        with pytest.raises(InputError, match="another rsmine process"):
            WriterLock.acquire(out)
    assert not lock_path(out).exists()
    WriterLock.acquire(out).release()  # free again


def test_an_unwritable_output_is_refused_before_the_simulation(capsys):
    assert cli.main([*ISING, "--out", "/proc/x.zarr"]) == 2
    assert "output /proc/x.zarr: cannot write in /proc" in capsys.readouterr().err


def _made(path: Path) -> Path:
    assert (
        cli.main(
            [
                "simulate",
                "ising",
                "--L",
                "4",
                "--T",
                "2",
                "--samples",
                "4",
                "--seed",
                "0",
                "--out",
                str(path),
            ]
        )
        == 0
    )
    return path


def test_out_inside_a_store_is_refused_naming_both(tmp_path, capsys):
    outer = _made(tmp_path / "S.zarr")
    inner = outer / "inner.zarr"
    assert cli.main([*ISING, "--out", str(inner)]) == 2
    err = capsys.readouterr().err
    assert f"output {inner}: lies inside the store {outer}" in err
    assert not inner.exists()
    assert stores.read_samples(outer).n_samples == 4


def test_out_holding_another_store_is_refused_naming_both(tmp_path, capsys):
    outer = _made(tmp_path / "S.zarr")
    inner = _made(tmp_path / "inner.zarr").rename(outer / "inner.zarr")  # put there by hand
    assert cli.main([*ISING, "--out", str(outer)]) == 2
    assert f"output {outer}: holds the rsmine store {inner}" in capsys.readouterr().err
    assert stores.read_samples(inner).n_samples == 4
