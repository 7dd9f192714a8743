"""Coarse-grainer: filters, Gumbel-softmax relaxation, exact discrete sampling, annealing."""

import math

import numpy as np
import pytest
import torch

from rsmine.errors import InputError
from rsmine.estimator import coarse


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_annealing_follows_eq_b9():
    a = coarse.Annealing(tau_max=0.5, tau_min=0.1, rate=5e-3)
    assert a.tau(0) == 0.5
    assert a.tau(100) == pytest.approx(0.5 * math.exp(-0.5))
    t_floor = math.log(5) / 5e-3  # step where 0.5 exp(-r t) = 0.1
    assert a.tau(int(t_floor) - 1) > 0.1
    assert a.tau(int(t_floor) + 1) == 0.1
    assert a.tau(10**6) == 0.1


def test_binary_discrete_is_bernoulli_of_sigmoid():
    n = 200_000
    x = torch.tensor([-1.5, 0.0, 0.7]).expand(1, n, 3)
    eps = coarse.noise(_gen(0), (1, n, 3), "binary", torch.device("cpu"))
    h = coarse.discrete(x, eps, "binary")
    assert set(h.unique().tolist()) == {-1.0, 1.0}
    freq = (h > 0).double().mean(1)[0]
    p = torch.sigmoid(torch.tensor([-1.5, 0.0, 0.7], dtype=torch.float64))
    err = (p * (1 - p) / n).sqrt()
    assert ((freq - p).abs() < 4 * err).all()
    assert (err < 2e-3).all()  # sharp enough to see a wrong logit scale


def test_relaxed_binary_sharpens_as_tau_decreases():
    x = torch.linspace(-2, 2, 41).reshape(1, 41, 1)
    eps = coarse.noise(_gen(1), (1, 41, 1), "binary", torch.device("cpu"))
    hard = coarse.discrete(x, eps, "binary")
    soft = [coarse.relaxed(x, eps, tau, "binary") for tau in (5.0, 0.5, 0.01)]
    gaps = [(s - hard).abs().mean().item() for s in soft]
    assert gaps[0] > gaps[1] > gaps[2]
    assert gaps[0] > 0.5 and gaps[2] < 0.05
    assert (soft[0].abs() < 1).all()


def test_categorical_gumbel_max_frequencies_and_relaxation():
    n, q = 100_000, 3
    logits = torch.tensor([0.2, -1.0, 1.0])
    x = torch.cat([logits, logits]).expand(1, n, 2 * q)  # two components of q states
    eps = coarse.noise(_gen(2), (1, n, 2 * q), "categorical", torch.device("cpu"))
    h = coarse.discrete(x, eps, "categorical", q)
    assert torch.equal(h.reshape(1, n, 2, q).sum(-1), torch.ones(1, n, 2))
    freq = h.reshape(n, 2, q).double().mean(0)
    p = torch.softmax(logits.double(), 0)
    err = (p * (1 - p) / n).sqrt()
    assert ((freq - p).abs() < 4 * err).all()
    soft = coarse.relaxed(x, eps, 0.05, "categorical", q)
    assert torch.allclose(soft.reshape(1, n, 2, q).sum(-1), torch.ones(1, n, 2), atol=1e-5)
    assert (soft - h).abs().mean() < 0.05


def test_continuous_embedding_is_the_linear_map():
    x = torch.randn(2, 5, 3)
    eps = coarse.noise(_gen(3), (2, 5, 3), "continuous", torch.device("cpu"))
    assert torch.equal(coarse.relaxed(x, eps, 0.3, "continuous"), x)
    assert torch.equal(coarse.discrete(x, eps, "continuous"), x)


def test_logits_shared_v_equals_per_replica_v_and_respects_mask():
    gen = _gen(4)
    mask = torch.tensor([1.0, 0.0, 1.0, 1.0])
    filters = torch.randn(3, 2, 4, generator=gen)
    v = torch.randn(5, 4, generator=gen)
    shared = coarse.logits(filters, v, mask)
    per = coarse.logits(filters, v.expand(3, 5, 4), mask)
    torch.testing.assert_close(shared, per)
    torch.testing.assert_close(shared[1, :, 0], v @ (filters[1, 0] * mask))


@pytest.mark.parametrize(
    ("embedding", "states"), [("binary", 2), ("categorical", 3), ("continuous", 2)]
)
def test_hand_written_backward_matches_autograd(embedding, states):
    gen = _gen(5)
    rows = 2 * coarse.filters_per_component(embedding, states)
    mask = torch.tensor([1.0, 1.0, 0.0, 1.0, 1.0], dtype=torch.float64)
    filters = torch.randn(3, rows, 5, generator=gen, dtype=torch.float64).requires_grad_(True)
    v = torch.randn(6, 5, generator=gen, dtype=torch.float64)
    eps = coarse.noise(gen, (3, 6, rows), embedding, torch.device("cpu")).double()
    x = coarse.logits(filters, v, mask)
    h = coarse.relaxed(x, eps, 0.3, embedding, states)
    d_h = torch.randn(h.shape, generator=gen, dtype=torch.float64)
    (expected,) = torch.autograd.grad((h * d_h).sum(), filters)
    d_x = coarse.relaxed_backward(h.detach(), d_h, 0.3, embedding, states)
    out = torch.empty_like(filters)
    coarse.filters_backward(d_x, v, mask, out)
    torch.testing.assert_close(out, expected)
    assert (out[:, :, 2] == 0).all()


def test_init_filters_zero_off_mask_and_seeded():
    mask = torch.tensor([1.0, 0.0, 1.0, 0.0])
    a = coarse.init_filters(_gen(6), 2, 4, mask)
    assert torch.equal(a, coarse.init_filters(_gen(6), 2, 4, mask))
    assert (a[:, [1, 3]] == 0).all() and (a[:, [0, 2]] != 0).all()
    assert (a.abs() <= 1 / np.sqrt(2)).all()


def test_bad_embedding_refused():
    with pytest.raises(InputError, match="embedding 'ternary'"):
        coarse.check_embedding("ternary", 2)
    with pytest.raises(InputError, match="states must be >= 2"):
        coarse.check_embedding("categorical", 1)
