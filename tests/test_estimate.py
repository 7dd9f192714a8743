"""rsmine.estimate_mi: a held-out MI estimate in nats for paired samples."""

import math
import subprocess
import sys

import numpy as np
import pytest

import rsmine
from rsmine.errors import InputError

pytestmark = pytest.mark.usefixtures("one_thread")


def gaussian_pairs(n: int, rho: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n pairs of a standard bivariate Gaussian with correlation rho; I = -log(1 - rho^2) / 2."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    return x, rho * x + math.sqrt(1 - rho**2) * rng.standard_normal(n)


def test_bivariate_gaussian():
    exact = -0.5 * math.log(1 - 0.75**2)
    assert exact == pytest.approx(0.4133, abs=1e-4)
    # 40 000 pairs leave 8 000 for the test part, all of them candidates. Over seeds 0-3 the
    # estimate measured 0.416 +- 0.012 (mean, sd; a lower bound): the limits exact -+ 0.05 are
    # 4.4 and 3.9 sd from the mean (before whole-part scoring: 0.409 +- 0.011).
    x, y = gaussian_pairs(40_000, 0.75, seed=0)
    assert abs(rsmine.estimate_mi(x, y, seed=0) - exact) < 0.05


def test_independent_variables_give_zero_and_dependent_ones_do_not():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((10_000, 2)), rng.standard_normal((10_000, 3))
    independent = rsmine.estimate_mi(x, y, seed=1)
    # the same y with its first column correlated (rho = 0.5) with x's first: I = 0.1438 nats
    y[:, 0] = 0.5 * x[:, 0] + math.sqrt(0.75) * y[:, 0]
    exact = -0.5 * math.log(1 - 0.5**2)
    dependent = rsmine.estimate_mi(x, y, seed=1)
    # Over seeds 1-6 (2 000 test pairs) the estimates measured -0.0012 +- 0.0017 (independent)
    # and 0.137 +- 0.011 (dependent; mean, sd): every limit is >= 4.8 sd from the mean.
    assert abs(independent) < 0.01
    assert abs(dependent - exact) < 0.06
    assert dependent - independent > 0.1  # the estimator tells the two apart


def test_import_rsmine_stays_light():
    code = "import sys, rsmine; assert 'torch' not in sys.modules; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"
    with pytest.raises(AttributeError):
        rsmine.no_such_thing  # noqa: B018


def test_bad_samples_refused():
    with pytest.raises(InputError, match="x has 10 samples but y has 9"):
        rsmine.estimate_mi(np.zeros(10), np.zeros(9))
    with pytest.raises(InputError, match="y contains non-finite"):
        rsmine.estimate_mi(np.zeros(1000), np.full(1000, np.inf))
    with pytest.raises(InputError, match=r"x must be \(n,\) or \(n, d\)"):
        rsmine.estimate_mi(np.zeros((10, 2, 2)), np.zeros(10))


def test_result_carries_its_error_parts_and_epochs():
    x, y = gaussian_pairs(4000, 0.75, seed=2)
    result = rsmine.estimate_mi(x, y, seed=2, epochs=6)
    assert isinstance(result, float) and float(result) == result.test
    assert result.candidates == 800 and result.epochs == 6 and 0 <= result.best_epoch < 6
    assert 0 < result.stderr < 0.05
    for part in (result.train, result.validation, result.sampled):
        assert abs(part - result.test) < 0.2
    assert result.warning is None
    assert "nats" in repr(result)


def test_a_copy_of_x_warns_that_the_ceiling_caps_it():
    """y = x: the MI is infinite, the estimate can only sit near log K."""
    x = np.random.default_rng(3).standard_normal((2000, 2))
    with pytest.warns(RuntimeWarning, match="ceiling log K"):
        result = rsmine.estimate_mi(x, x, seed=3, epochs=15)
    assert result > math.log(result.candidates) - 1.5 and "more samples" in result.warning


@pytest.mark.parametrize(
    ("seed", "message"),
    [(-1, "seed -1: expected an integer >= 0"), (1.5, "seed 1.5"), (True, "seed True")],
)
def test_bad_seed_is_one_plain_line(seed, message):
    with pytest.raises(InputError, match=message):
        rsmine.estimate_mi(np.zeros(2000), np.zeros(2000), seed=seed)


def test_too_few_or_transposed_samples_say_what_to_do():
    x, y = gaussian_pairs(500, 0.5, seed=4)
    with pytest.raises(
        InputError, match="give at least 995 pairs or lower batch= \\(to at most 50\\)"
    ):
        rsmine.estimate_mi(x, y)
    assert rsmine.estimate_mi(x, y, batch=50, epochs=2).candidates == 100  # the advice works
    wide = np.zeros((3, 2000))
    with pytest.raises(InputError, match=r"x has 3 rows and 2000 columns.*pass x\.T"):
        rsmine.estimate_mi(wide, wide)
