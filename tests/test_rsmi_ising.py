"""Test-part RSMI on independently generated 64x64 Ising samples (paper's Table II setting).

lv 4, lb 4, le 10, one binary component, default TrainConfig (batch 100, lr 5e-3, at most 30
epochs, patience 5). The reported number is the bound on the 20 % test part with exactly
discrete H, which no training decision saw. Exact reference points:
- T = 1.5: the block and the environment share the sign of the magnetisation, one bit:
  I = log 2 (minus 1/(2K) = 0.005 nats of InfoNCE bias at K = 100);
- T = 4: correlation length ~ 1 lattice spacing, buffer 4: I ~ 0;
- Tc: the block-sign filter alone holds >= 0.39 nats, so an honest, well-trained estimator
  must reach that (the published code's held-out value is 0-0.1 after memorising).
Several V origins per configuration (translations) are what closes the memorisation gap at
Tc; 20 000 configurations x 8 origins are needed there (10 000 leave runs at 0.383-0.391).
"""

import math

import numpy as np
import pytest

from rsmine import stores
from rsmine.cli import main
from rsmine.estimator.regions import Partition
from rsmine.estimator.train import BatchResult, TrainConfig, train_batch
from rsmine.models.ising import simulate
from rsmine.optimise import optimise_store
from rsmine.systems import ISING_TC

pytestmark = pytest.mark.usefixtures("one_thread")


def ising_rsmi(T: float, samples: int, origins: int, seed: int, runs: int = 3) -> BatchResult:
    """Optimise ``runs`` filters on fresh 64x64 samples at T; the result holds test-part RSMI."""
    return _train(simulate(64, T, samples=samples, seed=seed).configs, origins, seed, runs)


def _train(configs: np.ndarray, origins: int, seed: int, runs: int) -> BatchResult:
    partition = Partition("square", (64, 64), lv=4, lb=4, le=10, origins=origins, seed=seed)
    v, e = partition.split(configs)
    return train_batch(v, e, components=1, runs=runs, seed=seed, config=TrainConfig())


@pytest.mark.slow
def test_ordered_phase_holds_one_bit():
    configs = simulate(64, 1.5, samples=10_000, seed=21).configs
    r = _train(configs, origins=4, seed=21, runs=3)
    assert not r.failed.any()
    assert (np.abs(r.rsmi - math.log(2)) < 0.02).all(), r.rsmi
    # and the physics is the magnetisation: H = sign(Λ·v) on a block labels the sign of the
    # sample's magnetisation (up to Λ's overall sign). Which block filter does it is not fixed
    # in the ordered phase (any Λ with a clear sum does: the filters start at unit output spread
    # and nothing pushes them to uniform once one bit is held), so the test asks for the label.
    blocks = configs[:, :4, :4].reshape(len(configs), 16).astype(np.float64)
    h = np.sign(blocks @ r.filters[:, 0].T.astype(np.float64))  # (samples, runs)
    m = np.sign(configs.reshape(len(configs), -1).sum(axis=1, dtype=np.int64))[:, None]
    agree = np.maximum((h == m).mean(axis=0), (h == -m).mean(axis=0))
    assert (agree > 0.99).all(), agree
    staggered = np.sign(blocks @ (-1.0) ** np.add.outer(np.arange(4), np.arange(4)).ravel())
    assert max((staggered == m[:, 0]).mean(), (staggered == -m[:, 0]).mean()) < 0.9  # power


@pytest.mark.slow
def test_paramagnet_holds_nothing():
    r = ising_rsmi(4.0, samples=6_000, origins=1, seed=22)
    assert not r.failed.any()
    assert (np.abs(r.rsmi) <= 0.02).all(), r.rsmi


@pytest.mark.slow
def test_critical_point_reaches_block_sign_bound():
    r = ising_rsmi(ISING_TC, samples=20_000, origins=8, seed=23)
    assert not r.failed.any()
    assert (r.rsmi >= 0.39).all(), r.rsmi
    assert (r.rsmi < math.log(2)).all()  # one binary H holds at most log 2


@pytest.mark.slow
def test_default_settings_reach_the_block_sign_filter_at_tc(tmp_path):
    """``rsmine optimise`` with nothing beyond the window (origins auto) reaches what the
    block-sign filter holds at Tc.

    32x32 Ising at Tc from the sampler, 8000 configurations, lv 4, lb 2, le 4: origins auto
    gives 7 (4 examples per critic parameter). The block-sign filter's RSMI is evaluated the
    same way (fixed-Λ mode, same origins) by four critics: mean 0.436 nats, spread 0.002.
    Limit: 0.01 nats (5 spreads) below the block-sign mean; trained runs 0.430-0.443.
    Before origins auto and the shuffled evaluation batches (one origin, batches in store
    order) the runs gave 0.398-0.407 and this test failed; one origin with today's
    evaluation gives 0.411-0.444 (one run of three below the limit), so it is not asserted.
    """
    samples = tmp_path / "tc.zarr"
    argv = ["simulate", "ising", "--L", "32", "--T", repr(ISING_TC), "--samples", "8000"]
    assert main([*argv, "--seed", "77", "--out", str(samples)]) == 0
    window = {"lv": 4, "lb": 2, "le": 4, "runs": 3, "seed": 3, "device": "cpu"}
    default = stores.open_store(optimise_store(samples, tmp_path / "auto.zarr", **window))
    origins = default.attrs["params"]["region"]["origins"]
    assert origins == 7 and default.attrs["params"]["region"]["origins_asked"] == "auto"
    configs = stores.read_samples(samples).configs
    v, e = Partition("square", (32, 32), 4, 2, 4, origins=origins, seed=3).split(configs)
    block_sign = np.full((1, 16), 10.0, np.float32)
    fixed = train_batch(
        v, e, components=1, runs=4, seed=5, config=TrainConfig(), filters=block_sign
    ).rsmi
    assert fixed.std(ddof=1) < 0.004, fixed  # the reference is sharp enough
    limit = fixed.mean() - 0.01
    assert (default["rsmi"][...] >= limit).all(), (default["rsmi"][...], fixed)
