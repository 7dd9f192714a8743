"""Exact w = 0 RSMI of the chipping chain: enumeration, the paper-scale values, the sampler."""

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from rsmine.models import chipping, zero_range


def brute_force_rsmi(L: int, total: int, lv: int, lb: int, le: int | None = None) -> float:
    """I(M_V : configuration of E) by listing every configuration (uniform at fixed total);
    E the rest of the ring, or its first 2·le sites after the buffer."""
    counts: dict[tuple[int, tuple[int, ...]], int] = {}
    stop = L if le is None else lv + 2 * lb + 2 * le
    for config in itertools.product(range(total + 1), repeat=L):
        if sum(config) == total:
            key = (sum(config[:lv]), config[lv + 2 * lb : stop])
            counts[key] = counts.get(key, 0) + 1
    n = sum(counts.values())
    pv: dict[int, float] = {}
    pe: dict[tuple[int, ...], float] = {}
    for (v, e), c in counts.items():
        pv[v] = pv.get(v, 0) + c / n
        pe[e] = pe.get(e, 0) + c / n
    return sum(c / n * math.log(c / n / (pv[v] * pe[e])) for (v, e), c in counts.items())


def test_matches_enumeration_over_whole_configurations_of_e():
    """E's whole configuration carries no more than its total mass (a small ring, every state)."""
    assert zero_range.exact_rsmi(7, 5, 2, 1, binary=False) == pytest.approx(
        brute_force_rsmi(7, 5, 2, 1), rel=1e-10
    )


def test_thin_environment_matches_enumeration():
    """A thin E (le 1 each side, one unseen site beyond): its configuration carries no more
    than its own mass; every state of a 7-site ring listed."""
    assert zero_range.exact_rsmi(7, 4, 2, 1, binary=False, le=1) == pytest.approx(
        brute_force_rsmi(7, 4, 2, 1, le=1), rel=1e-10
    )
    # power: the thin value differs from the whole-ring one on the same ring
    assert zero_range.exact_rsmi(7, 4, 2, 1, binary=False) > 1.2 * brute_force_rsmi(
        7, 4, 2, 1, le=1
    )


def test_paper_geometry_values():
    """L = 256, density 1, lv 8, lb 8 (Fig. 12b): 0.115 nats binary, 0.195 continuous."""
    assert zero_range.exact_rsmi(256, 256, 8, 8, binary=True) == pytest.approx(0.11497, abs=1e-5)
    assert zero_range.exact_rsmi(256, 256, 8, 8, binary=False) == pytest.approx(0.19505, abs=1e-5)
    # the thin-environment control (le 16): ~80 times less, the information is in E's total
    assert zero_range.exact_rsmi(256, 256, 8, 8, True, le=16) == pytest.approx(0.00143, abs=1e-5)


def test_sampler_at_w0_draws_the_exact_block_mass_distribution():
    """Chi-square of the sampled M_V (L 32, lv 4) against the exact marginal at w = 0."""
    L, lv, lb = 32, 4, 4
    sim = chipping.simulate(L, 0.0, samples=4000, seed=5, chains=4)
    block = sim.configs[:, :lv].sum(axis=1)
    exact = zero_range.block_masses(L, L, lv, lb).sum(axis=1)
    edges = [0, 1, 2, 3, 4, 5, 6, 8, 11, L + 1]  # bins of >= ~100 expected samples
    observed = np.add.reduceat(np.bincount(block, minlength=L + 1), edges[:-1])[: len(edges) - 1]
    expected = np.add.reduceat(exact, edges[:-1])[: len(edges) - 1] * len(block)
    assert expected.min() > 50
    p_value = stats.chisquare(observed, expected * observed.sum() / expected.sum()).pvalue
    assert p_value > 1e-3
    # power: the infinite-L geometric marginal (independent sites) is told apart
    geometric = stats.nbinom.pmf(np.arange(L + 1), lv, 0.5)
    wrong = np.add.reduceat(geometric, edges[:-1])[: len(edges) - 1] * len(block)
    assert stats.chisquare(observed, wrong * observed.sum() / wrong.sum()).pvalue < 1e-3
