"""Finite-size extrapolation recovers a planted x_c(inf) from synthetic x_c(L) with noise."""

import numpy as np
import pytest

from rsmine.analysis.rsmi.finite_size import extrapolate
from rsmine.errors import InputError

SIZES = np.array([16, 32, 64, 128])


def planted(seed: int, err: float = 0.003, nu: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """x_c(L) = 1 - 1.5 L^(-1/nu) plus Gaussian noise: Tc/T estimates 5 % low at L = 32,
    approaching 1 from below (the offset the Ising demo shows)."""
    truth = 1.0 - 1.5 * SIZES ** (-1.0 / nu)
    errors = np.full(SIZES.shape, err)
    return truth + np.random.default_rng(seed).normal(0.0, errors), errors


def test_known_nu_covers_the_planted_limit_and_is_sharp():
    covered, widths = 0, []
    for seed in range(40):
        fit = extrapolate(SIZES, *planted(seed), nu=1.0)
        low, high = fit.limit_ci
        assert low > 1.0 - 1.5 / 32  # the test has power: the L = 32 value is excluded
        widths.append(high - low)
        covered += low <= 1.0 <= high
    # t(2 dof) x sigma(intercept) ~ 4.3 x 0.0025: median width ~ 0.02
    assert np.median(widths) < 0.03
    assert covered >= 34  # nominal 95 %: 40 seeds give >= 34 inside with probability > 0.99


def test_the_raw_largest_lattice_misses_the_limit_the_fit_finds():
    y, errors = planted(0)
    fit = extrapolate(SIZES, y, errors, nu=1.0)
    assert abs(y[-1] - 1.0) > 3 * errors[-1]  # the L = 128 estimate alone is off
    assert fit.limit_ci[0] <= 1.0 <= fit.limit_ci[1]


def test_free_nu_covers_the_planted_limit():
    covered = sum(
        (lambda f: f.limit_ci[0] <= 1.0 <= f.limit_ci[1])(
            extrapolate(SIZES, *planted(seed, err=0.002, nu=1.0), nu=None)
        )
        for seed in range(20)
    )
    assert covered >= 17


def test_bad_input_is_refused():
    with pytest.raises(InputError, match="distinct sizes"):
        extrapolate([16, 16], [0.9, 0.95], [0.01, 0.01])
    with pytest.raises(InputError, match="errors > 0"):
        extrapolate([16, 32], [0.9, 0.95], [0.01, 0.0])
    with pytest.raises(InputError, match="nu needs >= 4 sizes"):
        extrapolate([16, 32, 64], [0.9, 0.95, 0.97], [0.01] * 3, nu=None)
