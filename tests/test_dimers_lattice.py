"""Bond grid encoding, observables, starting coverings and the worm kernel's invariants."""

from __future__ import annotations

import numpy as np
import pytest

from rsmine.models.dimers import coverings, lattice, loops, tables


def _columnar(n: int) -> np.ndarray:
    """Horizontal dimers on the bonds (i, j)-(i, j+1) with j even."""
    grid = np.zeros((2 * n, 2 * n), dtype=np.int8)
    grid[0::2, 1::4] = 1
    return grid


def _staggered(n: int) -> np.ndarray:
    """Horizontal dimers on (i, j)-(i, j+1) with i + j even: no parallel pair, maximal winding."""
    grid = np.zeros((2 * n, 2 * n), dtype=np.int8)
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    grid[2 * i, 2 * j + 1] = (i + j) % 2 == 0
    return grid


def test_columnar_and_staggered_observables():
    n = 8
    col, stag = _columnar(n), _staggered(n)
    assert lattice.is_valid(np.stack([col, stag])).all()
    assert lattice.energy(col) == -(n**2) // 2
    assert lattice.energy(stag) == 0
    assert lattice.columnar(col) == (1.0, 0.0)
    shifted = np.roll(col, 2, axis=1)
    assert lattice.columnar(shifted) == (-1.0, 0.0)
    rotated = col.T  # the vertical columnar state
    assert lattice.is_valid(rotated)
    assert lattice.columnar(rotated) == (0.0, 1.0)
    assert lattice.winding(col) == (0, 0)
    assert lattice.winding(stag) == (n // 2, 0)


def test_validity_rejects_broken_grids():
    grid = _columnar(4)
    broken = [grid.copy() for _ in range(3)]
    broken[0][0, 1] = 0  # two empty vertices
    broken[1][1, 0] = 1  # a vertex with two dimers
    broken[2][1, 1] = 1  # a face entry set
    assert not lattice.is_valid(np.stack(broken)).any()


def test_dirs_and_grid_round_trip():
    grid = _staggered(6)
    dirs = lattice.dirs_from_grid(grid)
    assert (dirs >= 0).all()
    assert (lattice.grid_from_dirs(dirs, 6) == grid).all()


@pytest.mark.parametrize("n", [2, 4, 6, 10, 32])
def test_temperley_coverings_are_valid_and_varied(n):
    grids = [
        lattice.grid_from_dirs(coverings.temperley_covering(n, np.random.default_rng(s)), n)
        for s in range(8)
    ]
    assert lattice.is_valid(np.stack(grids)).all()
    if n >= 6:
        assert len({g.tobytes() for g in grids}) == len(grids)


def test_random_starts_cover_several_winding_sectors():
    n = 8
    starts = [coverings.random_covering(n, np.random.default_rng(s)) for s in range(12)]
    grids = lattice.grid_from_dirs(np.stack(starts), n)
    assert lattice.is_valid(grids).all()
    wx, wy = lattice.winding(grids)
    assert len(set(zip(wx.tolist(), wy.tolist(), strict=True))) >= 3


@pytest.mark.parametrize("T", [0.2, 1.0, float("inf")])
def test_every_worm_closes_into_a_valid_covering(T):
    n = 6
    rng = np.random.default_rng(3)
    dirs = coverings.temperley_covering(n, rng)
    nbr = lattice.neighbours(n)
    cum = tables.scattering_tables(T).cum
    visit = np.zeros(n * n, dtype=np.int64)
    for _ in range(300):
        built, steps = loops.worms(dirs, nbr, cum, rng, visit, 1, 1)
        assert built == 1 and steps >= 1
        assert lattice.is_valid(lattice.grid_from_dirs(dirs, n))
    assert (visit == 1).all()
    built, steps = loops.worms(dirs, nbr, cum, rng, visit, 2, 0)  # a covering sub-sweep
    assert (visit == 2).all() and 1 <= built <= steps
    assert lattice.is_valid(lattice.grid_from_dirs(dirs, n))
