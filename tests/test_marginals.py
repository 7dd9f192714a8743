"""Single-site mass marginals of the chipping chain (rsmine.analysis.chipping.marginals)."""

from __future__ import annotations

import numpy as np
import pytest

from rsmine.analysis.chipping import marginals
from rsmine.errors import InputError
from rsmine.figures.chipping import mass_marginals
from rsmine.models import chipping


def test_binned_marginal_matches_a_known_geometric_distribution():
    q = 0.8
    rng = np.random.default_rng(5)
    configs = rng.geometric(1 - q, size=(4000, 64)) - 1  # p(m) = (1 - q) q^m, m >= 0
    result = marginals.mass_marginal(configs, exact_below=10, bins_per_decade=10)
    assert result.p0 == pytest.approx(1 - q, abs=4 * np.sqrt(q * (1 - q) / configs.size))
    assert result.sites == configs.size
    assert np.all(np.diff(result.mass) > 0) and result.mass[0] == 1.0
    exact = (1 - q) * q ** result.mass[:9]  # the first nine bins are single masses 1..9
    assert np.all(np.abs(result.density[:9] - exact) < 4 * result.error[:9])
    assert result.error[0] < 0.01 * exact[0]  # sharp enough to see a wrong normalisation
    # wide bins above 10 average p over their integers: total probability is conserved
    assert result.width.max() > 1
    assert result.p0 + (result.density * result.width).sum() == pytest.approx(1.0, abs=1e-12)


def test_marginals_figure_from_sample_stores_separates_the_phases(tmp_path):
    stores = {}
    for w in (0.05, 2.0):
        stores[w] = tmp_path / f"w{w}.zarr"
        chipping.simulate_store(stores[w], L=64, w=w, density=1.0, samples=300, chains=2, seed=9)
    found = marginals.read_marginals(stores)
    mass_marginals(found, "chipping", path=tmp_path / "p.png")
    record = marginals.marginal_table(found)
    assert list(record["w"]) == [0.05, 2.0] and list(record["L"]) == [64, 64]
    assert (tmp_path / "p.png").stat().st_size > 10_000
    low, high = record.iloc[0], record.iloc[1]
    # low w: masses stay O(1); high w: a condensate of order L forms
    assert low["max_mass"] < 20 and high["max_mass"] > 20
    assert high["p0"] > low["p0"]


def test_refuses_negative_or_non_integer_masses():
    with pytest.raises(InputError, match="non-negative integer"):
        marginals.mass_marginal(np.array([[1, -1]]))
    with pytest.raises(InputError, match="non-negative integer"):
        marginals.mass_marginal(np.array([[0.5, 1.0]]))
