"""Directed-loop samples of small tori against exact enumeration of all coverings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from dimers_exact import boltzmann, coverings, hotelling_pvalue, merged_bins

from rsmine.models.dimers import driver, lattice
from rsmine.stores import read_samples

CHAINS = 48
SWEEPS = 300


@pytest.fixture(scope="module")
def exact() -> dict[int, np.ndarray]:
    """All coverings of the 4×4 and 6×6 tori, as bond grids."""
    return {n: coverings(n) for n in (4, 6)}


def _sample(path: Path, n: int, T: float, seed: int) -> dict[str, np.ndarray]:
    driver.simulate_store(path, n=n, T=T, chains=CHAINS, sweeps=SWEEPS, thermalise=5, seed=seed)
    samples = read_samples(path, observables=("energy", "Wx", "Wy", "chain"))
    assert samples.lattice == "dimer_grid"
    assert lattice.is_valid(samples.configs).all()
    assert (lattice.energy(samples.configs) == samples.observables["energy"]).all()
    return {k: v.reshape(CHAINS, SWEEPS) for k, v in samples.observables.items()}


def _chain_fractions(labels: np.ndarray, bins: list[np.ndarray]) -> np.ndarray:
    """Per-chain fraction of samples in each bin: (chains, bins)."""
    return np.stack([np.isin(labels, b).mean(axis=1) for b in bins], axis=1)


def _exact_energy(energies: np.ndarray, T: float) -> tuple[np.ndarray, np.ndarray, float]:
    values = np.unique(energies)
    p = boltzmann(energies, T)
    probs = np.array([p[energies == v].sum() for v in values])
    return values, probs, float(p @ energies)


@pytest.mark.parametrize(("n", "T"), [(4, 0.65), (4, 2.0), (6, 0.65), (6, 2.0)])
def test_energy_histogram_matches_exact_enumeration(tmp_path, exact, n, T):
    energies = lattice.energy(exact[n])
    assert len(energies) == {4: 272, 6: 90_176}[n]
    values, probs, mean_exact = _exact_energy(energies, T)
    bins = merged_bins(values, probs)
    expected = np.array([probs[np.isin(values, b)].sum() for b in bins])
    sampled = _sample(tmp_path / "d.zarr", n, T, seed=11)["energy"]
    fractions = _chain_fractions(sampled, bins)
    assert hotelling_pvalue(fractions, expected) > 1e-3

    chain_means = sampled.mean(axis=1)
    mean, err = chain_means.mean(), chain_means.std(ddof=1) / np.sqrt(CHAINS)
    assert abs(mean - mean_exact) < 4 * err
    # power: a 10 % error in the temperature would be caught by both tests
    _, probs_off, mean_off = _exact_energy(energies, 1.1 * T)
    expected_off = np.array([probs_off[np.isin(values, b)].sum() for b in bins])
    assert hotelling_pvalue(fractions, expected_off) < 1e-6
    assert 4 * err < abs(mean_off - mean_exact)


def test_winding_sectors_at_infinite_temperature(tmp_path, exact):
    wx, wy = lattice.winding(exact[4])
    sectors = [
        [(0, 0)],
        [(1, 0)],
        [(-1, 0)],
        [(0, 1)],
        [(0, -1)],
        [(1, 1), (1, -1), (-1, 1), (-1, -1)],
        [(2, 0), (-2, 0), (0, 2), (0, -2)],
    ]
    code = wx * 10 + wy
    bins = [np.array([a * 10 + b for a, b in s]) for s in sectors]
    expected = np.array([np.isin(code, b).mean() for b in bins])
    assert np.isclose(expected.sum(), 1.0)
    assert expected[0] == 132 / 272 and expected[-1] == 4 / 272
    sampled = _sample(tmp_path / "d.zarr", 4, float("inf"), seed=5)
    fractions = _chain_fractions(sampled["Wx"] * 10 + sampled["Wy"], bins)
    assert hotelling_pvalue(fractions, expected) > 1e-3
    # power: a uniform spread over the seven sector bins is rejected
    assert hotelling_pvalue(fractions, np.full(len(bins), 1 / len(bins))) < 1e-6
