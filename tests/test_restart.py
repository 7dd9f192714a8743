"""Runs still on the initial plateau at the end of their warm-up start again from new initial
filters and critic of their own (rsmine.estimator.train.restart); runs that have left it are
never touched."""

from dataclasses import replace

import numpy as np
import pytest
from test_train import independent_lattice, one_bit_lattice

from rsmine.estimator.train import TrainConfig, train_batch

pytestmark = pytest.mark.usefixtures("one_thread")


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
