"""The critic's whitened input (``TrainConfig.whiten``): unit covariance on the training part,
recorded in the runs store, and a conserved total found where per-site scaling loses it."""

import math

import numpy as np
import pytest
import torch
import zarr
from scipy import integrate, stats

from rsmine.estimator.regions import Windows
from rsmine.estimator.train import TrainConfig
from rsmine.estimator.train.loop import train_windows
from rsmine.estimator.train.standardise import RIDGE, Standardisation
from rsmine.models import chipping
from rsmine.optimise import optimise_store


def test_whitening_gives_unit_covariance_on_the_training_part():
    """E with one direction of variance 1e-3 among directions of 1-100: after whitening the
    training part's covariance has eigenvalues λ / (λ + ε) in [1/(1 + RIDGE·mean/λmin), 1]."""
    rng = np.random.default_rng(0)
    n_env, n = 12, 3000
    basis = np.linalg.qr(rng.normal(size=(n_env, n_env)))[0]
    scales = np.concatenate([[math.sqrt(1e-3)], np.linspace(1, 10, n_env - 1)])
    e = (rng.normal(size=(n, 2, n_env)) * scales) @ basis.T + 5.0
    v = rng.normal(size=(n, 2, 3))
    train = np.arange(0, n, 2)
    found = Standardisation.fit(
        v, e, train, centre=True, scale_v=False, standardise=True, device="cpu", whiten=True
    )
    flat = torch.as_tensor(e[train].reshape(-1, n_env), dtype=torch.float32)
    _, white = found.apply(torch.as_tensor(v[train].reshape(-1, 3)), flat)
    eigen = np.linalg.eigvalsh(np.cov(white.numpy(), rowvar=False, ddof=0))
    ridge = RIDGE * np.mean(scales**2)
    assert eigen.max() == pytest.approx(1.0, abs=1e-3)
    assert eigen.min() == pytest.approx(1e-3 / (1e-3 + ridge), rel=0.1)
    record = found.record()
    assert record["e_whiten"].shape == (n_env, n_env)
    assert np.all(record["e_scale"] == 1.0)
    plain = Standardisation.fit(
        v, e, train, centre=True, scale_v=False, standardise=True, device="cpu"
    ).record()
    assert "e_whiten" not in plain


def _planted(n: int, n_env: int, noise: float, rng: np.random.Generator):
    """H = [|s| < z_0.75] (balanced, not monotone in s); E = zero-sum noise of variance ~1 per
    site plus the total 0.1·(s + noise·z) spread evenly: the information sits in E's direction
    of least variance, as a chipping ring's total mass does."""
    s = rng.normal(size=n)
    x = rng.normal(size=(n, n_env))
    x -= x.mean(axis=1, keepdims=True)
    e = x + 0.1 * (s + noise * rng.normal(size=n))[:, None] / math.sqrt(n_env)
    h = np.where(np.abs(s) < stats.norm.ppf(0.75), 1.0, -1.0)
    return h[:, None, None].astype(np.float32), e[:, None, :].astype(np.float32)


def _exact_mi(noise: float) -> float:
    """I(H : s + noise·z) in nats by quadrature: ln 2 − E_y h2(P(|s| < c | y))."""
    c, sd = stats.norm.ppf(0.75), math.sqrt(1 + noise**2)

    def inside(y: float) -> float:
        m, s = y / sd**2, noise / sd
        return stats.norm.cdf((c - m) / s) - stats.norm.cdf((-c - m) / s)

    def h2(p: float) -> float:
        return 0.0 if p <= 0 or p >= 1 else -(p * math.log(p) + (1 - p) * math.log(1 - p))

    return (
        math.log(2)
        - integrate.quad(lambda y: stats.norm.pdf(y, scale=sd) * h2(inside(y)), -10, 10)[0]
    )


def test_whitened_critic_finds_a_total_that_per_site_scaling_loses():
    """Fixed H, only the critic trains: whitened, the held-out bound reaches most of the exact
    MI (0.366 nats) and stays below it within 4 s.e.; scaled per site it finds ~nothing."""
    h, e = _planted(6000, 48, 0.3, np.random.default_rng(3))
    exact = _exact_mi(0.3)
    found = {}
    for whiten in (False, True):
        result = train_windows(
            Windows.of_arrays(h, e),
            components=1,
            runs=1,
            seed=5,
            config=TrainConfig(epochs=40, whiten=whiten),
            filters=1e3 * np.ones((1, 1), np.float32),
        )
        found[whiten] = (float(result.rsmi[0]), float(result.rsmi_se[0]))
    mi, se = found[True]
    assert 0.75 * exact < mi < exact + 4 * se
    assert found[False][0] < 4 * found[False][1] + 0.02


def test_chipping_runs_whiten_by_default_and_record_the_matrix(tmp_path):
    """A chipping store trains with E whitened (the model's default): the runs store records
    e_whiten (env, env_out) and the option; --whiten false records none."""
    samples = tmp_path / "w1.zarr"
    chipping.simulate_store(samples, L=32, w=1.0, density=1.0, samples=400, chains=2, seed=3)
    args = {"lv": 4, "lb": 2, "le": 10, "runs": 2, "seed": 1, "epochs": 2, "batch": 20}
    runs = zarr.open_group(str(optimise_store(samples, tmp_path / "r.zarr", **args)), mode="r")
    assert runs["e_whiten"].shape == (20, 20)
    assert runs["e_whiten"].metadata.dimension_names == ("env", "env_out")
    assert runs.attrs["params"]["coarse_grainer"]["whiten"] is True
    off = optimise_store(samples, tmp_path / "off.zarr", whiten=False, **args)
    assert "e_whiten" not in zarr.open_group(str(off), mode="r")
