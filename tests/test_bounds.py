"""Mutual-information bounds on hand-computed score matrices."""

import math

import numpy as np
import pytest
import torch

from rsmine.errors import InputError
from rsmine.estimator import bounds


def _infonce_by_hand(s: np.ndarray) -> float:
    """Eq. (10) written out with numpy for one K x K matrix (rows: h_i, columns: e_j)."""
    k = s.shape[0]
    rows = [s[i, i] - math.log(sum(math.exp(s[i, j]) for j in range(k))) for i in range(k)]
    return sum(rows) / k + math.log(k)


def _off(s: np.ndarray) -> np.ndarray:
    return s[~np.eye(s.shape[0], dtype=bool)]


def test_infonce_hand_computed_2x2():
    s = np.array([[2.0, -1.0], [0.5, 1.5]])
    expected = 0.5 * (
        (2 - math.log(math.e**2 + math.e**-1)) + (1.5 - math.log(math.e**0.5 + math.e**1.5))
    )
    expected += math.log(2)
    assert _infonce_by_hand(s) == pytest.approx(expected)
    assert bounds.infonce(torch.tensor(s)).item() == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("k", [2, 7, 100])
def test_infonce_zero_for_constant_critic_and_at_most_log_k(k):
    assert bounds.infonce(torch.full((k, k), 3.7, dtype=torch.float64)).item() == pytest.approx(
        0, abs=1e-12
    )
    random = (
        torch.randn(50, k, k, generator=torch.Generator().manual_seed(k), dtype=torch.float64) * 5
    )
    assert (bounds.infonce(random) <= math.log(k)).all()
    # a perfectly discriminating critic approaches log K from below
    sharp = bounds.infonce(40.0 * torch.eye(k, dtype=torch.float64)).item()
    assert math.log(k) - 1e-9 < sharp <= math.log(k)


def test_infonce_batched_matches_single():
    s = torch.randn(3, 4, 6, 6, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    batched = bounds.infonce(s)
    assert batched.shape == (3, 4)
    assert batched[2, 1].item() == pytest.approx(_infonce_by_hand(s[2, 1].numpy()), abs=1e-12)


def test_nwj_tuba_dv_hand_computed():
    s = np.array([[1.0, 0.2, -0.3], [0.4, 0.8, 0.0], [-1.0, 0.5, 2.0]])
    joint, off = np.diag(s).mean(), _off(s)
    t = torch.tensor(s)
    assert bounds.nwj(t).item() == pytest.approx(joint - np.exp(off - 1).mean(), abs=1e-12)
    assert bounds.tuba(t).item() == pytest.approx(joint - np.exp(off).mean() + 1, abs=1e-12)
    assert bounds.dv(t).item() == pytest.approx(joint - math.log(np.exp(off).mean()), abs=1e-12)


def test_single_sample_bounds_at_constant_critics():
    ones = torch.ones(5, 5, dtype=torch.float64)
    assert bounds.nwj(ones).item() == pytest.approx(0, abs=1e-12)  # f = 1 is NWJ's optimum at I = 0
    assert bounds.tuba(0 * ones).item() == pytest.approx(0, abs=1e-12)
    assert bounds.dv(7 * ones).item() == pytest.approx(0, abs=1e-12)
    assert bounds.nwj(0 * ones).item() == pytest.approx(-1 / math.e, abs=1e-12)


@pytest.mark.parametrize("name", sorted(bounds.BOUNDS))
def test_analytic_gradient_matches_autograd(name):
    s = torch.randn(2, 3, 8, 8, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    s.requires_grad_(True)
    value = bounds.BOUNDS[name](s)
    (grad,) = torch.autograd.grad(value.sum(), s)
    v2, g2 = bounds.value_and_grad(name, s.detach(), scale=-1.0)
    torch.testing.assert_close(v2, value.detach())
    torch.testing.assert_close(g2, -grad)


def test_unknown_bound_refused():
    with pytest.raises(InputError, match="bound 'mine' is not one of infonce"):
        bounds.get_bound("mine")
