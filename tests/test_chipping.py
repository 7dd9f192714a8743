"""The chipping–aggregation sampler: mass conservation, the w = 0 zero-range marginal
2^−(m+1), condensate vs fluid, reproducible stores, bad parameters refused."""

from __future__ import annotations

import numpy as np
import pytest
import zarr
from scipy import stats
from scipy.special import gammaln

from rsmine import cli
from rsmine.errors import InputError
from rsmine.models import chipping

FOUR_SIGMA_P = 6.3e-5  # two-sided tail probability of a 4σ deviation


@pytest.mark.parametrize(("L", "w", "density"), [(64, 0.0, 1.0), (64, 0.3, 2.5), (63, 5.0, 1.0)])
def test_mass_is_conserved_in_every_sample(L, w, density):
    sim = chipping.simulate(L, w, density=density, samples=60, seed=21)
    assert sim.configs.dtype == np.int32 and sim.configs.shape == (60, L)
    assert np.all(sim.configs >= 0)
    assert np.all(sim.configs.sum(axis=1) == round(density * L))


def canonical_marginal(L: int, mass: int) -> np.ndarray:
    """Exact single-site marginal p(m), m = 0 … mass, of the uniform measure on
    configurations of ``mass`` units on L sites (the w = 0 steady state):
    p(m) = C(mass − m + L − 2, L − 2) / C(mass + L − 1, L − 1)."""
    m = np.arange(mass + 1)
    log_p = (
        gammaln(mass - m + L - 1)
        - gammaln(mass - m + 1)
        - gammaln(L - 1)
        - gammaln(mass + L)
        + gammaln(mass + 1)
        + gammaln(L)
    )
    return np.exp(log_p)


def _chi_square_p(counts: np.ndarray, probs: np.ndarray) -> float:
    """p-value of counts (m = 0 … k−2, and m ≥ k−1 pooled) against probs (m = 0, 1, …)."""
    k = counts.size
    expected = np.append(probs[: k - 1], 1 - probs[: k - 1].sum()) * counts.sum()
    return float(stats.chisquare(counts, expected).pvalue)


def test_zero_range_marginal_is_geometric():
    L, n = 128, 500
    sim = chipping.simulate(L, 0.0, samples=n, seed=22)
    bins = 11  # m = 0 … 9 and m ≥ 10 (expected count of the tail ≈ 60)
    counts = np.bincount(np.minimum(sim.configs.ravel(), bins - 1), minlength=bins)
    exact = canonical_marginal(L, L)
    geometric = 0.5 ** (np.arange(L + 1) + 1)
    assert np.abs(exact - geometric).max() < 1 / L  # the finite-L law approaches 2^−(m+1)
    assert _chi_square_p(counts, exact) > FOUR_SIGMA_P
    assert _chi_square_p(counts, geometric) > FOUR_SIGMA_P
    z = 1.05 / 2.05  # power: the geometric marginal at density 1.05 is rejected
    assert _chi_square_p(counts, (1 - z) * z ** np.arange(L + 1)) < FOUR_SIGMA_P


def test_condensate_above_and_fluid_below_the_transition():
    L = 128
    condensed = chipping.simulate(L, 3.0, samples=80, seed=23)
    fluid = chipping.simulate(L, 0.05, samples=80, seed=23)
    assert condensed.stats["steady"] and fluid.stats["steady"]
    share = condensed.observables["largest_mass"]
    assert np.median(share) > 0.7  # mean field: 1 − ρ_c, ρ_c = √(1 + 1/w) − 1 ⇒ 0.85
    assert np.all(fluid.observables["largest_mass"] < 0.2)
    largest = condensed.configs.max(axis=1)
    np.testing.assert_array_equal(largest / L, share)


def test_same_seed_gives_identical_store(tmp_path):
    paths = [tmp_path / "a.zarr", tmp_path / "b.zarr"]
    for path in paths:
        argv = ["simulate", "chipping", "--L", "64", "--w", "0.5", "--samples", "40"]
        assert cli.main([*argv, "--seed", "9", "--out", str(path)]) == 0
    groups = [zarr.open_group(str(p), mode="r") for p in paths]
    assert set(groups[0].array_keys()) == {
        "configs",
        "largest_mass",
        "occupied",
        "slow_mode",
        "chain",
    }
    for name in groups[0].array_keys():
        assert groups[0][name][...].tobytes() == groups[1][name][...].tobytes()
    attrs = [dict(g.attrs) for g in groups]
    for at in attrs:
        at.pop("created")
    assert attrs[0] == attrs[1]
    assert attrs[0]["lattice"] == "chain" and attrs[0]["params"]["w"] == 0.5
    assert attrs[0]["sampler"]["thin"] >= 1
    assert groups[0]["configs"].dtype == np.int32


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--L", "64", "--w", "-0.5"], "w must be >= 0"),
        (["--L", "63", "--w", "1", "--density", "0.5"], "density * L must be an integer"),
        (["--L", "1", "--w", "1"], "L must be an integer >= 2"),
        (["--L", "64", "--w", "1", "--density", "-1"], "density must be >= 0"),
        (["--L", "64", "--w", "1", "--samples", "0"], "samples must be"),
        (["--L", "64", "--w", "inf"], "w must be finite"),
    ],
)
def test_bad_parameters_refused_before_any_work(refused_simulation, args, message):
    assert message in refused_simulation("chipping", args)
    with pytest.raises(InputError):
        chipping.simulate(64, 1.0, density=0.51, samples=10, seed=1)
