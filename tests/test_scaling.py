"""Buffer-scaling fits on synthetic RSMI curves with known ξ and υ and Gaussian noise."""

import numpy as np
import pandas as pd
import pytest

from rsmine.analysis.rsmi.scaling import (
    buffer_fits_table,
    exponent_ranges,
    fit_buffer_decay,
    fitted_rsmi,
)
from rsmine.analysis.rsmi.summary import _cell_summary, left_plateau
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
    fit = fit_buffer_decay([0, 1, 2, 3, 4], [0.7, 0.2, 0.05, -0.01, 0.0])
    assert fit.excluded == 2
    assert fit.model == "undetermined"  # only lb = 1, 2 are fitted (lb >= 1)
    assert fit.length == pytest.approx(1 / np.log(4.0))  # two points: exact line
    with pytest.raises(InputError, match="distinct"):
        fit_buffer_decay([1, 1, 2], [0.3, 0.2, 0.1])
    with pytest.raises(InputError, match="rsmi_err"):
        fit_buffer_decay([1, 2, 3], [0.3, 0.2, 0.1], [0.1, 0.0, 0.1])


def test_flat_curve_is_no_decay_without_xi_or_upsilon():
    """An ordered phase's plateau (flat within noise) is "no decay", never a tiny or negative υ."""
    lb = np.arange(0, 9)
    for seed in SEEDS:
        fit = fit_buffer_decay(lb, *noisy(np.full(lb.shape, 1.3), seed, rel=0.01))
        if fit.model != "no decay":  # a 95 % test: a few seeds may see a significant slope
            assert fit.length > 10 and fit.length_ci[0] > 0
            continue
        assert np.isnan(fit.length) and np.isnan(fit.exponent)
    chosen = [
        fit_buffer_decay(lb, *noisy(np.full(lb.shape, 1.3), s, rel=0.01)).model for s in SEEDS
    ]
    assert chosen.count("no decay") >= 16
    decaying = fit_buffer_decay(lb, *noisy(1.3 * np.exp(-lb / 3.0), 0, rel=0.01))
    assert decaying.model == "exponential"  # the test has power


def test_weak_decay_has_a_positive_interval():
    """A slope barely below 0 gives a wide but positive ξ interval (the delta method went < 0)."""
    lb = np.arange(1, 9)
    rsmi, err = noisy(0.5 * np.exp(-lb / 40.0), 4, rel=0.02)
    fit = fit_buffer_decay(lb, rsmi, err)
    if fit.model != "no decay":
        assert 0 < fit.length_ci[0] < fit.length < fit.length_ci[1]
    for seed in SEEDS:
        fit = fit_buffer_decay(np.arange(1, 13), *noisy(0.8 * np.arange(1, 13) ** -0.3, seed))
        assert fit.exponent_ci[0] > 0 and fit.length_ci[0] > 0


def test_distance_form_recovers_the_exponent_of_the_distance():
    """I = A (lb + lv/2)^-2 (the free dimers' dipolar decay, lv = 8): the distance form gives 2,
    a power of lb alone an effective exponent well below it."""
    lb = np.array([2, 4, 6, 8])
    truth = 3.0 * (lb + 4.0) ** -2.0
    rsmi, err = noisy(truth, 1, rel=0.01, floor=0.0)
    far = fit_buffer_decay(lb, rsmi, err, offset=4.0)
    assert far.exponent_ci[0] <= 2.0 <= far.exponent_ci[1]
    assert far.exponent_ci[1] - far.exponent_ci[0] < 0.3
    near = fit_buffer_decay(lb, rsmi, err)
    assert near.exponent_ci[1] < 1.5


def ensemble_cells(lb: np.ndarray, truth: np.ndarray, stuck: int, seed: int) -> pd.DataFrame:
    """Summary rows (:func:`summarise`'s columns) of 16 runs per lb: 16 − stuck runs at
    the true RSMI with noise, ``stuck`` runs still on the plateau (test and validation ≈ 0)."""
    rng = np.random.default_rng(seed)
    cells = []
    for b, value in zip(lb, truth, strict=True):
        good = np.r_[value + rng.normal(0.0, 0.02 * value, 16 - stuck), np.zeros(stuck)]
        runs = pd.DataFrame(
            {
                "rsmi": good + rng.normal(0.0, 0.001, 16),
                "rsmi_val": good + rng.normal(0.0, 0.001, 16),
                "rsmi_se": np.full(16, 0.001),
                "failed": False,
                "run_id": np.arange(16),
            }
        )
        cells.append({"point": "Tc", "control": 1.0, "lb": int(b)} | _cell_summary(runs))
    return pd.DataFrame(cells)


def test_runs_left_on_the_plateau_are_decided_on_validation_and_left_out_of_the_fit():
    runs = pd.DataFrame({"rsmi_val": [0.001, 0.003, 0.1], "rsmi_se": [0.001, 0.001, 0.001]})
    assert left_plateau(runs).tolist() == [False, True, True]  # 2 s.e. of the validation
    lb = np.arange(1, 9)
    truth = 0.5 * lb**-0.6
    # at the three far lb 6 of 16 runs stuck at 0: the mean over all runs is 10/16 of the curve
    cells = ensemble_cells(lb, truth, 0, seed=1)
    far = ensemble_cells(lb[-3:], truth[-3:], 6, seed=2)
    cells = pd.concat([cells[cells["lb"] <= 5], far], ignore_index=True)
    assert cells["left"].tolist() == [16] * 5 + [10] * 3
    rsmi, err = fitted_rsmi(cells)
    assert np.all(np.abs(rsmi - truth) < 4 * err)  # the runs off the plateau: the curve
    stuck = cells["lb"] >= 6
    assert np.allclose(cells.loc[stuck, "mean"], truth[-3:] * 10 / 16, rtol=0.05)
    table = buffer_fits_table(cells)[0]
    low, high = table.loc[0, "upsilon_low"], table.loc[0, "upsilon_high"]
    assert low <= 0.6 <= high and high - low < 0.05


def test_exponent_against_the_fit_range_in_both_forms():
    lb = np.arange(1, 9)
    lv = 4
    for truth, form in ((0.5 * lb**-0.6, "lb"), (0.5 * (lb + lv / 2) ** -0.6, "distance")):
        ranges = exponent_ranges(ensemble_cells(lb, truth, 0, seed=3), lv)
        spans = list(zip(ranges["lb_min"], ranges["lb_max"], strict=True))
        assert spans == [(a, b) for a in range(1, 9) for b in range(a + 2, 9)]  # ≥ 3 lb each
        column = "upsilon" if form == "lb" else "upsilon_distance"
        inside = (ranges[f"{column}_low"] <= 0.6) & (0.6 <= ranges[f"{column}_high"])
        assert inside.mean() >= 0.85, ranges[[column, f"{column}_low", f"{column}_high"]]
        from_one = ranges[(ranges["lb_min"] == 1) & (ranges["points"] >= 6)]  # forms differ most
        assert (from_one["preferred"] == form).all(), from_one
