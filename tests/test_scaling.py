"""Buffer-scaling fits on synthetic RSMI curves with known ξ and υ and Gaussian noise."""

import numpy as np
import pytest

from rsmine.analysis.scaling import fit_buffer_decay
from rsmine.errors import InputError

SEEDS = range(20)


def noisy(curve: np.ndarray, seed: int, rel: float = 0.05, floor: float = 0.002):
    """Curve plus Gaussian noise of standard error rel·I + floor; returns (values, errors)."""
    err = rel * curve + floor
    return curve + np.random.default_rng(seed).normal(0.0, err), err


def test_exponential_decay_is_chosen_and_xi_covered():
    lb = np.arange(0, 11)
    truth = 1.5 * np.exp(-lb / 2.5)
    covered = 0
    for seed in SEEDS:
        rsmi, err = noisy(truth, seed)
        fit = fit_buffer_decay(lb, rsmi, err)
        assert fit.model == "exponential", seed
        low, high = fit.length_ci
        covered += low <= 2.5 <= high
        assert high - low < 0.5  # sharp enough to tell ξ = 2.5 from 3
    # nominal 95 %: 20 seeds give >= 16 inside with probability > 0.999
    assert covered >= 16


def test_power_law_is_chosen_and_upsilon_covered_lb0_ignored():
    lb = np.arange(0, 13)
    truth = np.where(lb > 0, 0.8 * np.maximum(lb, 1) ** -1.16, 3.0)  # lb = 0: off the law
    covered = 0
    for seed in SEEDS:
        rsmi, err = noisy(truth, seed)
        fit = fit_buffer_decay(lb, rsmi, err)
        assert fit.model == "power", seed
        low, high = fit.exponent_ci
        covered += low <= 1.16 <= high
        assert high - low < 0.3
    assert covered >= 16


def test_small_exponent_of_a_critical_curve_is_recovered():
    lb = np.arange(1, 9)
    truth = 0.6 * lb**-0.09
    rsmi, err = noisy(truth, 3, rel=0.01, floor=0.0)
    fit = fit_buffer_decay(lb, rsmi, err)
    assert fit.model == "power"
    assert fit.exponent_ci[0] <= 0.09 <= fit.exponent_ci[1]
    assert fit.exponent_ci[1] - fit.exponent_ci[0] < 0.05


def test_noise_floor_points_are_excluded_and_counted():
    lb = np.arange(0, 9)
    truth = np.exp(-lb / 1.0)
    err = np.full(lb.shape, 0.01)
    rsmi = truth + np.random.default_rng(0).normal(0.0, err)
    fit = fit_buffer_decay(lb, rsmi, err)
    under = rsmi <= 2 * err
    assert fit.excluded == int(under.sum()) >= 3  # e^-4 = 0.018 < 0.02: lb >= 4 drop out
    assert not fit.used[under].any()
    assert fit.length_ci[0] <= 1.0 <= fit.length_ci[1]


def test_without_errors_floor_is_zero_and_too_few_points_undetermined():
    fit = fit_buffer_decay([0, 1, 2, 3], [0.7, 0.2, -0.01, 0.0])
    assert fit.excluded == 2
    assert fit.model == "undetermined"  # only lb = 1 is comparable
    assert fit.length == pytest.approx(1 / np.log(3.5))  # two points: exact line
    with pytest.raises(InputError, match="distinct"):
        fit_buffer_decay([1, 1, 2], [0.3, 0.2, 0.1])
    with pytest.raises(InputError, match="rsmi_err"):
        fit_buffer_decay([1, 2, 3], [0.3, 0.2, 0.1], [0.1, 0.0, 0.1])
