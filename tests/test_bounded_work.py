"""Unbounded work refused before it starts, naming the option (issue 16 item 7)."""

from __future__ import annotations

import numpy as np
import pytest

from rsmine import cli, memory
from rsmine.errors import InputError

HUGE = "100000000000"


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["ising", "--L", "64", "--T", "2", "--samples", HUGE], "--samples"),
        (["chipping", "--L", "64", "--w", "2", "--samples", HUGE], "--samples"),
        (["dimers", "--n", "64", "--T", "2", "--chains", "2", "--sweeps", HUGE], "--sweeps"),
    ],
    ids=["ising", "chipping", "dimers"],
)
def test_a_simulation_too_big_for_memory_is_refused(tmp_path, capsys, argv, option):
    out = tmp_path / "s.zarr"
    assert cli.main(["simulate", *argv, "--seed", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{option} {HUGE}: " in err and "more than the" in err and "available" in err
    assert list(tmp_path.iterdir()) == []


def test_optimise_with_a_billion_runs_is_refused_naming_runs(tmp_path, capsys):
    samples = tmp_path / "s.zarr"
    sim = ["simulate", "ising", "--L", "8", "--T", "2", "--samples", "200", "--seed", "1"]
    assert cli.main([*sim, "--out", str(samples)]) == 0
    out = tmp_path / "r.zarr"
    argv = ["optimise", "--samples", str(samples), "--out", str(out), "--lv", "2", "--lb", "1",
            "--le", "1", "--runs", "1000000000", "--seed", "0"]  # fmt: skip
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "--runs 1000000000: the state of 1000000000 runs" in err and "--first-run" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.zarr"]


def test_require_fits_passes_what_fits_and_refuses_what_does_not():
    free = memory.available_bytes()
    assert free > 2**20
    memory.require_fits("--x", 1, free // 4, "a quarter", "n/a")
    with pytest.raises(InputError, match="--x 2: twice needs at least"):
        memory.require_fits("--x", 2, 2 * free, "twice", "n/a")


def test_whitening_an_environment_too_big_for_memory_is_refused_naming_le(tmp_path, capsys):
    """A user's ring of 80 000 sites, E the rest of it: whitening E's covariance (80 000² float64,
    three copies, 150 GiB) is refused before any work, naming --le and --whiten false."""
    data = tmp_path / "ring.npy"
    np.save(data, np.random.default_rng(0).integers(0, 3, size=(60, 80_000), dtype=np.int32))
    samples = tmp_path / "s.zarr"
    imported = ["import", str(data), "--lattice", "chain", "--periodic", "true"]
    assert (
        cli.main([*imported, "--control", "w=1", "--provenance", "test", "--out", str(samples)])
        == 0
    )
    out = tmp_path / "r.zarr"
    argv = ["optimise", "--samples", str(samples), "--out", str(out), "--lv", "8", "--lb", "8",
            "--le", "39900", "--runs", "1", "--seed", "0", "--batch", "4"]  # fmt: skip
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "--le 39900: whitening E (79800 sites, --whiten)" in err and "--whiten false" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ring.npy", "s.zarr"]
