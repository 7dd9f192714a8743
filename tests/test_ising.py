"""The 2-D Ising sampler against exact results: Kaufman's finite-size energies, a
transfer-matrix ⟨|m|⟩, the enumerated 4×4 energy histogram; antiferromagnet ≡
ferromagnet; reproducible stores; bad parameters refused before any work."""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pytest
import zarr
from scipy import stats

from rsmine import cli
from rsmine.errors import InputError
from rsmine.models import ising
from rsmine.models.autocorr import binned_mean

FOUR_SIGMA_P = 6.3e-5  # two-sided tail probability of a 4σ deviation


# ------------------------------------------------------------ exact results


def kaufman_log_z(L: int, beta: float) -> float:
    """ln Z of the L×L ferromagnetic torus, J = 1 (Kaufman 1949; form of Beale 1996)."""
    index = np.arange(2 * L)
    gamma = np.arccosh(math.cosh(2 * beta) / math.tanh(2 * beta) - np.cos(np.pi * index / L))
    gamma[0] = 2 * beta + math.log(math.tanh(beta))
    odd, even = gamma[1::2], gamma[0::2]
    terms = sum(np.prod(2 * f(L * g / 2)) for g in (odd, even) for f in (np.cosh, np.sinh))
    return math.log(0.5) + L * L / 2 * math.log(2 * math.sinh(2 * beta)) + math.log(terms)


def kaufman_energy(L: int, T: float, h: float = 1e-4) -> float:
    """Exact ⟨E⟩/L² = −(1/L²) ∂ ln Z/∂β, by a five-point derivative."""
    b = 1.0 / T
    f = [kaufman_log_z(L, b + k * h) for k in (-2, -1, 1, 2)]
    return -(f[0] - 8 * f[1] + 8 * f[2] - f[3]) / (12 * h) / (L * L)


@functools.cache
def exact_abs_m(L: int, T: float) -> float:
    """Exact ⟨|m|⟩ of the L×L torus (L even) by a row transfer matrix with a fugacity z^(N↑).

    Tr (T D(z))^L at the L² + 1 roots of unity z_k, inverted by an FFT, gives the
    weight of every number of up spins N↑ (the traces at z_k and z_(n−k) are conjugate).
    """
    rows = ((np.arange(1 << L)[:, None] >> np.arange(L)) & 1) * 2 - 1
    within = (rows * np.roll(rows, -1, axis=1)).sum(axis=1)
    transfer = np.exp((rows @ rows.T + 0.5 * (within[:, None] + within[None, :])) / T)
    up = (rows.sum(axis=1) + L) // 2
    n = L * L + 1
    k = np.arange(n // 2 + 1)
    fugacity = np.exp(2j * np.pi * k[:, None] * up[None, :] / n)
    half = np.linalg.matrix_power(transfer[None] * fugacity[:, None, :], L // 2)
    traces = np.einsum("kij,kji->k", half, half)
    weights = np.fft.fft(np.concatenate([traces, np.conj(traces[1:][::-1])])).real
    m = (2 * np.arange(n) - (n - 1)) / (n - 1)
    return float((np.abs(m) * weights).sum() / weights.sum())


def enumerated_energies(L: int) -> np.ndarray:
    """E = −Σ s_i s_j of all 2^(L²) configurations of the L×L torus (small L)."""
    n = L * L
    s = (((np.arange(1 << n)[:, None] >> np.arange(n)) & 1) * 2 - 1).reshape(-1, L, L)
    return -(s * np.roll(s, -1, axis=1) + s * np.roll(s, -1, axis=2)).sum(axis=(1, 2))


def test_exact_helpers_reproduce_reference_values():
    for T, ref in ((2.0, -1.745530669), (2.5, -1.131317984), (3.0, -0.817689368)):
        assert kaufman_energy(16, T) == pytest.approx(ref, abs=2e-9)
    assert exact_abs_m(8, 2.0) == pytest.approx(0.9114523, abs=1e-7)
    energies = enumerated_energies(4)
    w = np.exp(-energies / 2.5)
    assert (energies * w).sum() / w.sum() / 16 == pytest.approx(kaufman_energy(4, 2.5), abs=1e-9)


# ------------------------------------------------------------ statistics


@pytest.mark.parametrize(
    ("T", "algorithm"), [(2.0, "wolff"), (2.5, "wolff"), (3.0, "wolff"), (4.0, "metropolis")]
)
def test_energy_matches_kaufman_16x16(T, algorithm):
    sim = ising.simulate(16, T, samples=40_000, seed=11)
    assert sim.stats["algorithm"] == algorithm
    mean, err = binned_mean(sim.observables["energy"], n_bins=40)
    exact = kaufman_energy(16, T)
    assert abs(mean - exact) < 4 * err
    assert abs(kaufman_energy(16, 1.01 * T) - exact) > 8 * err  # power: a 1 % shift in T


def test_abs_magnetisation_8x8_at_T2():
    sim = ising.simulate(8, 2.0, samples=40_000, seed=12)
    mean, err = binned_mean(np.abs(sim.observables["magnetisation"]), n_bins=40)
    assert abs(mean - exact_abs_m(8, 2.0)) < 4 * err
    assert abs(exact_abs_m(8, 2.04) - exact_abs_m(8, 2.0)) > 8 * err  # power: a 2 % shift in T
    m = sim.observables["magnetisation"]
    assert abs((m > 0).mean() - 0.5) < 0.02  # global flips: both ordered states


def _chi_square_p(energies: np.ndarray, degeneracy: dict[int, int], T: float) -> float:
    """p-value of the sampled energy histogram against g(E) e^(−E/T) (bins with ≥ 5 expected)."""
    levels = np.array(sorted(degeneracy))
    weights = np.array([degeneracy[e] for e in levels]) * np.exp(-(levels - levels[0]) / T)
    expected = weights / weights.sum() * energies.size
    observed = np.array([(energies == e).sum() for e in levels])
    keep = expected >= 5
    obs = np.append(observed[keep], observed[~keep].sum())
    exp = np.append(expected[keep], expected[~keep].sum())
    return float(stats.chisquare(obs, exp).pvalue)


@pytest.mark.parametrize("T", [2.5, 4.0])
def test_energy_histogram_4x4_matches_enumeration(T):
    levels, counts = np.unique(enumerated_energies(4), return_counts=True)
    degeneracy = dict(zip(levels.tolist(), counts.tolist(), strict=True))
    sim = ising.simulate(4, T, samples=40_000, seed=13)
    energies = np.rint(sim.observables["energy"] * 16).astype(int)
    assert _chi_square_p(energies, degeneracy, T) > FOUR_SIGMA_P
    assert _chi_square_p(energies, degeneracy, 1.05 * T) < FOUR_SIGMA_P  # power


def test_antiferromagnet_is_the_gauged_ferromagnet():
    ferro = ising.simulate(16, 2.5, J=1.0, samples=4000, seed=14)
    anti = ising.simulate(16, 2.5, J=-1.0, samples=4000, seed=14)
    s = anti.configs.astype(np.int64)
    bonds = (s * np.roll(s, -1, axis=1) + s * np.roll(s, -1, axis=2)).sum(axis=(1, 2))
    np.testing.assert_array_equal(bonds / 256, anti.observables["energy"])  # E = +Σ s s for J=-1
    y, x = np.indices((16, 16))
    staggered = (s * (-1) ** (x + y)).sum(axis=(1, 2)) / 256
    np.testing.assert_array_equal(staggered, anti.observables["magnetisation"])
    np.testing.assert_array_equal(anti.observables["energy"], ferro.observables["energy"])
    np.testing.assert_array_equal(
        np.abs(anti.observables["magnetisation"]), np.abs(ferro.observables["magnetisation"])
    )
    assert (s * np.roll(s, -1, axis=2)).mean() < -0.5  # neighbours anti-aligned


def test_zero_and_infinite_temperature_are_exact():
    cold = ising.simulate(6, 0.0, J=-1.0, samples=200, seed=15)
    assert np.all(cold.observables["energy"] == -2.0)
    assert set(np.unique(cold.observables["magnetisation"])) == {-1.0, 1.0}
    hot = ising.simulate(6, math.inf, samples=4000, seed=15)
    assert hot.stats["algorithm"] == "exact"
    mean, err = binned_mean(hot.observables["energy"], n_bins=20)
    assert abs(mean) < 4 * err < 0.02


# ------------------------------------------------------------ stores and the CLI


def _store_arrays(path: Path) -> dict[str, np.ndarray]:
    group = zarr.open_group(str(path), mode="r")
    return {name: group[name][...] for name in group.array_keys()}


def test_same_seed_gives_identical_store(tmp_path):
    paths = [tmp_path / "a.zarr", tmp_path / "b.zarr"]
    for path in paths:
        cli.main(
            [
                "simulate",
                "ising",
                "--L",
                "12",
                "--T",
                "2.269",
                "--samples",
                "300",
                "--seed",
                "5",
                "--out",
                str(path),
            ]
        )
    a, b = (_store_arrays(p) for p in paths)
    assert a.keys() == b.keys() == {"configs", "energy", "magnetisation", "chain"}
    for name in a:
        assert a[name].tobytes() == b[name].tobytes()
    attrs = [dict(zarr.open_group(str(p), mode="r").attrs) for p in paths]
    for at in attrs:
        at.pop("created")
    assert attrs[0] == attrs[1]
    assert attrs[0]["lattice"] == "square" and attrs[0]["complete"] is True
    assert attrs[0]["params"]["L"] == 12 and attrs[0]["sampler"]["thin"] >= 1
    assert a["configs"].dtype == np.int8 and a["configs"].shape == (300, 12, 12)
    other = tmp_path / "c.zarr"
    ising.simulate_store(other, L=12, T=2.269, J=1.0, samples=300, chains=4, seed=6)
    assert _store_arrays(other)["configs"].tobytes() != a["configs"].tobytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--L", "15", "--J", "-1", "--T", "2"], "L must be even"),
        (["--L", "16", "--T", "-1"], "T must be >= 0"),
        (["--L", "1", "--T", "2"], "L must be an integer >= 2"),
        (["--L", "16", "--T", "2", "--samples", "0"], "samples must be"),
        (["--L", "16", "--T", "2", "--chains", "0"], "chains must be"),
        (["--L", "16", "--T", "nan"], "T must be a number"),
    ],
)
def test_bad_parameters_refused_before_any_work(refused_simulation, args, message):
    assert message in refused_simulation("ising", args)
    with pytest.raises(InputError):
        ising.simulate(15, 2.0, J=-1.0, samples=10, seed=1)
