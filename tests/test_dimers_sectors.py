"""Balanced columnar sectors: the random symmetry map is a group action; sectors weigh equally."""

from __future__ import annotations

import numpy as np
import zarr

from rsmine.models.dimers import driver, lattice, sectors


def _columnar_state(n: int) -> np.ndarray:
    """The columnar covering with horizontal dimers on even columns: (Dx, Dy) = (1, 0)."""
    grid = np.zeros((2 * n, 2 * n), dtype=np.int8)
    grid[0::2, 1::4] = 1
    return grid


def test_every_element_maps_coverings_to_coverings_of_equal_energy() -> None:
    rng = np.random.default_rng(5)
    n = 6
    grid = _columnar_state(n)
    mapped = sectors.symmetrise(np.repeat(grid[None], 400, axis=0), rng)
    assert lattice.is_valid(mapped).all()
    assert (lattice.energy(mapped) == lattice.energy(grid)).all()
    dx, dy = lattice.columnar(mapped)
    assert set(zip(dx.round(6), dy.round(6), strict=True)) == {(1, 0), (-1, 0), (0, 1), (0, -1)}


def test_reflection_and_transpose_are_involutions() -> None:
    rng = np.random.default_rng(6)
    grid = sectors.symmetrise(_columnar_state(4)[None], rng)[0]
    for element in ([1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0]):
        twice = sectors.apply_symmetry(sectors.apply_symmetry(grid, np.array(element)), element)
        assert np.array_equal(twice, grid)


def _sector_fractions(path, symmetrise: bool) -> tuple[np.ndarray, zarr.Group]:
    driver.simulate_store(path, n=8, T=0.3, chains=6, sweeps=200, seed=11, symmetrise=symmetrise)
    group = zarr.open_group(str(path), mode="r")
    return sectors.weights(sectors.sector(group["Dx"][...], group["Dy"][...])), group


def test_six_chains_weigh_four_sectors_equally_at_low_temperature(tmp_path) -> None:
    """Each stored sample's sector is an independent uniform draw (6 x 200 samples at T = 0.3):
    every fraction within 4 sigma of 1/4; without the map, 6 pinned chains cannot do that."""
    fractions, group = _sector_fractions(tmp_path / "on.zarr", symmetrise=True)
    samples = group["Dx"].shape[0]
    sigma = np.sqrt(0.25 * 0.75 / samples)
    assert np.all(np.abs(fractions - 0.25) < 4 * sigma), fractions
    record = group.attrs["sectors"]
    assert record["chains_without_switch"] == 6  # the chains never leave their sector
    assert np.allclose(record["weights"], fractions, atol=1e-4)

    pinned, _ = _sector_fractions(tmp_path / "off.zarr", symmetrise=False)
    assert np.max(np.abs(pinned - 0.25)) > 4 * sigma, pinned  # the test has power
