"""Runs still on the initial plateau at the end of their warm-up start again from new initial
filters and critic of their own (rsmine.estimator.train.restart); runs that have left it are
never touched."""

from dataclasses import replace

import numpy as np
import pytest
from test_train import independent_lattice, one_bit_lattice

from rsmine.estimator import coarse
from rsmine.estimator.train import TrainConfig, train_batch
from rsmine.estimator.train.replicas import streams

pytestmark = pytest.mark.usefixtures("one_thread")


def one_site_signal(n: int, seed: int, q: float = 0.56) -> tuple[np.ndarray, np.ndarray]:
    """V: 16 independent ±1 sites; E: 64 independent noisy copies of V's site 0 (each equal to
    it with probability q). The signal lies along one of V's 16 directions, so a random initial
    filter puts 1/16 of its squared norm on it on average, and some draws almost none.
    Returns v (n, 1, 16), e (n, 1, 64) float32."""
    rng = np.random.default_rng(seed)
    v = rng.choice(np.array([-1.0, 1.0], np.float32), size=(n, 1, 16))
    e = np.where(rng.random((n, 1, 64)) < q, v[:, :, :1], -v[:, :, :1])
    return v, e.astype(np.float32)


def test_restarts_rescue_the_runs_whose_initial_filters_miss_the_signal():
    """The plateau's mechanism at CI size: without restarts the runs whose initial filter has
    the least weight on the signal's site stay at 0 until early stopping ends them; with
    restarts they start again from a new draw and reach the others' value, and the other runs
    are untouched."""
    v, e = one_site_signal(2000, seed=1)
    cfg = TrainConfig(epochs=40, warmup=8, patience=3)
    stuck, rescued = 0, 0
    for seed in (0, 1, 3):
        never = train_batch(v, e, components=1, runs=8, seed=seed, config=replace(cfg, restarts=0))
        again = train_batch(v, e, components=1, runs=8, seed=seed, config=cfg)
        low = never.rsmi < 0.05
        stuck += low.sum()
        rescued += (low & (again.rsmi > 0.15)).sum()
        for k in np.flatnonzero(low):  # the initial filter misses the signal's site
            w = coarse.init_filters(streams(seed, k)[0], 1, 16, None)[0]
            assert w[0] ** 2 / w.square().sum() < 0.03  # isotropic mean 1/16
        kept = again.restarts == 0  # trained exactly as without restarts; scored in another
        # stopping subset, whose batched evaluation products round differently (~1e-8 here)
        np.testing.assert_array_equal(again.filters[kept], never.filters[kept])
        np.testing.assert_allclose(again.rsmi[kept], never.rsmi[kept], rtol=0, atol=1e-6)
        assert (again.restarts[~low] == 0).all()
    assert stuck >= 3  # the plateau is there without restarts (4 of 24 runs here)
    assert rescued >= stuck - 1


def test_runs_on_the_plateau_restart_from_their_own_streams():
    """Nothing to find (I(V:E) = 0): every run is on the plateau at the end of each warm-up,
    so it restarts ``restarts`` times, each attempt's warm-up counted anew, drawn from
    (seed, k) alone: run 2 alone equals run 2 of the batch."""
    v, e = independent_lattice(2000, seed=9)
    cfg = TrainConfig(epochs=30, patience=2, warmup=3, restarts=2)
    batch = train_batch(v, e, components=1, runs=3, seed=10, config=cfg)
    assert batch.restarts.tolist() == [2, 2, 2]
    ran = np.isfinite(batch.history[:, :, 1]).sum(1)
    # attempts start at epochs 0, 3 and 6; the last one's patience counts from epoch 8 on
    assert (ran >= 8 + 3).all() and (ran < 30).any()
    assert (batch.best_epoch >= 6).all()  # the kept parameters are the last attempt's
    alone = train_batch(v, e, components=1, runs=1, first_run=2, seed=10, config=cfg)
    assert alone.restarts.tolist() == [2] and alone.best_epoch[0] == batch.best_epoch[2]
    # on data without signal training amplifies the batch's rounding (without restarts
    # alone and batched filters differ by 2e-5 here); a restart from another stream would
    # differ by O(0.1)
    np.testing.assert_allclose(alone.filters[0], batch.filters[2], atol=1e-3)

    never = train_batch(v, e, components=1, runs=3, seed=10, config=replace(cfg, restarts=0))
    assert never.restarts.tolist() == [0, 0, 0]
    ran = np.isfinite(never.history[:, :, 1]).sum(1)
    assert (ran == np.maximum(never.best_epoch, 2) + 3).all()
    assert np.abs(never.filters - batch.filters).max() > 0.05  # new initial filters


def test_runs_off_the_plateau_are_untouched():
    """A run whose validation estimate has risen by the end of its warm-up trains on: the
    result with restarts is the one without, bit for bit."""
    v, e = one_bit_lattice(2000, seed=7, p=0.8)
    cfg = TrainConfig(epochs=6, patience=2, warmup=2)
    on = train_batch(v, e, components=1, runs=3, seed=8, config=cfg)
    off = train_batch(v, e, components=1, runs=3, seed=8, config=replace(cfg, restarts=0))
    assert on.restarts.tolist() == [0, 0, 0] and (on.rsmi > 0.3).all()
    for name in ("filters", "rsmi", "rsmi_val", "history", "best_epoch"):
        np.testing.assert_array_equal(getattr(on, name), getattr(off, name), err_msg=name)
