"""Buffer-scaling fits on synthetic RSMI curves with known ξ and υ and Gaussian noise."""

import numpy as np
import pytest

from rsmine.analysis.rsmi.scaling import fit_buffer_decay
from rsmine.errors import InputError

SEEDS = range(20)


def noisy(curve: np.ndarray, seed: int, rel: float = 0.05, floor: float = 0.002):
    """Curve plus Gaussian noise of standard error rel·I + floor; returns (values, errors)."""
    err = rel * curve + floor
    return curve + np.random.default_rng(seed).normal(0.0, err), err


def coverage(lb, truth, model: str, true: float, width: float) -> int:
    """Seeds (of 20) whose fit chose ``model`` with a 95 % interval holding ``true``;
    every interval must be narrower than ``width`` (the test has power)."""
    covered = 0
    for seed in SEEDS:
        fit = fit_buffer_decay(lb, *noisy(truth, seed))
        assert fit.model == model, seed
        low, high = fit.length_ci if model == "exponential" else fit.exponent_ci
        assert high - low < width
        covered += low <= true <= high
    return covered


def test_exponential_decay_is_chosen_and_xi_covered():
    lb = np.arange(0, 11)
    # nominal 95 %: 20 seeds give >= 16 inside with probability > 0.999;
    # width 0.5 tells ξ = 2.5 from 3
    assert coverage(lb, 1.5 * np.exp(-lb / 2.5), "exponential", 2.5, 0.5) >= 16


def test_power_law_is_chosen_and_upsilon_covered_lb0_ignored():
    lb = np.arange(0, 13)
    truth = np.where(lb > 0, 0.8 * np.maximum(lb, 1) ** -1.16, 3.0)  # lb = 0: off the law
    assert coverage(lb, truth, "power", 1.16, 0.3) >= 16


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
