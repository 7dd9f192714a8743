"""Height field of dimer coverings: loop consistency on sampled coverings, columnar plateaus."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rsmine.analysis.dimers.height_histograms import phase_histograms
from rsmine.errors import InputError
from rsmine.models.dimers import driver, height, lattice, tables


def _sampled(n: int, T: float, sweeps: int, seed: int) -> np.ndarray:
    """(sweeps, 2n, 2n) coverings from one directed-loop chain at temperature T."""
    run = driver.resolve_run(n, T, 1, sweeps, None, 5, "minimal-bounce")
    cum = tables.scattering_tables(T, run.tables).cum
    return driver.run_chain(run, cum, driver.chain_rng(seed, 0)).grids


def _columnar(n: int) -> np.ndarray:
    """Horizontal dimers on the bonds (i, j)-(i, j+1) with j even."""
    grid = np.zeros((2 * n, 2 * n), dtype=np.int8)
    grid[0::2, 1::4] = 1
    return grid


@pytest.mark.parametrize("T", [0.3, 1.0, float("inf")])
def test_heights_are_consistent_around_every_loop_up_to_the_winding(one_thread, T):
    n = 8
    grids = _sampled(n, T, 30, seed=7)
    assert lattice.is_valid(grids).all()
    h = height.heights(grids)
    dx, dy = height.steps(grids)
    # every elementary loop (around each vertex) closes
    around = dx + np.roll(dy, -1, axis=-1) - np.roll(dx, -1, axis=-2) - dy
    assert (around == 0).all()
    # the integrated field reproduces every step away from the seams ...
    assert (np.diff(h, axis=-1) == dx[..., :-1]).all()
    assert (np.diff(h, axis=-2) == dy[..., :-1, :]).all()
    # ... and across the seams it jumps by the winding, on every row and column
    wx, wy = lattice.winding(grids)
    assert (dx.sum(axis=-1) == 4 * wy[:, None]).all()
    assert (dy.sum(axis=-2) == -4 * wx[:, None]).all()
    assert (h[..., 0] - h[..., -1] == dx[..., -1] - 4 * wy[:, None]).all()
    assert (h[..., 0, :] - h[..., -1, :] == dy[..., -1, :] + 4 * wx[:, None]).all()
    # h mod 4 is the fixed face pattern {0, 1; 3, 2}, whatever the covering
    pattern = np.array([[0, 1], [3, 2]])
    assert (h % 4 == np.tile(pattern, (n // 2, n // 2))).all()


def test_sampled_coverings_have_nonzero_winding_somewhere(one_thread):
    """The seam test above has power: at infinite T some coverings wind."""
    wx, wy = lattice.winding(_sampled(8, float("inf"), 30, seed=7))
    assert (wx != 0).any() or (wy != 0).any()


def test_columnar_coverings_give_four_flat_plateaus():
    n = 8
    base = _columnar(n)
    states = [base, np.roll(base, 2, axis=1), base.T, np.roll(base.T, 2, axis=0)]
    means = []
    for grid in states:
        phi = height.phase(height.heights(grid))
        blocks = height.block_average(phi, 4)
        assert np.allclose(blocks, blocks.flat[0])
        means.append(blocks.flat[0] % (2 * math.pi))
    assert np.allclose(sorted(means), [math.pi / 4 * k for k in (1, 3, 5, 7)])


def test_bad_input_is_refused():
    grid = _columnar(4)
    grid[0, 1] = 0
    with pytest.raises(InputError, match="not a dimer covering"):
        height.heights(grid)
    with pytest.raises(InputError, match="must divide"):
        height.block_average(np.zeros((6, 6)), 4)


def test_phase_histograms_of_columnar_and_sampled_coverings(one_thread):
    base = _columnar(8)
    locked = phase_histograms(np.stack([base, base.T]), blocks=(1, 4))
    width = locked["hi"] - locked["lo"]
    for _, rows in locked.groupby("block"):
        assert abs((rows["density"] * width[rows.index]).sum() - 1.0) < 1e-9
    lock = locked.groupby("block")["lock"].first()
    assert lock[1] == pytest.approx(1.0) and lock[4] == pytest.approx(-1.0)
    hot = phase_histograms(_sampled(8, float("inf"), 40, seed=3), blocks=(4,))
    assert abs(hot["lock"].iloc[0]) < 0.5  # smeared: no longer on the columnar values
