"""The moving average of the parameters that validation scores (TrainConfig.average): the
parameters themselves through each replica's warm-up, then their running mean, then an
exponential average over ``average`` epochs."""

import numpy as np
import pytest
import torch
from test_groups import _state
from test_train import one_bit_lattice

from rsmine.estimator.train import TrainConfig, train_batch
from rsmine.estimator.train.loop import _average_rates

pytestmark = pytest.mark.usefixtures("one_thread")
FIELDS = ("filters", "rsmi", "rsmi_val", "rsmi_train", "history", "best_epoch")


def test_rates_follow_each_replicas_warm_up():
    """One epoch of 4 steps done; replica 0's warm-up (1 epoch) is over, replica 1 restarted
    at epoch 2 and is still in its own: it keeps rate 1 (the average is the parameters)."""
    _, state = _state(2)
    state.step += 4
    state.started[:] = [0, 2]
    rates = _average_rates(TrainConfig(warmup=1, average=5.0), state, steps=4)[0]
    np.testing.assert_allclose(rates[:, 0], [1 / 2, 1 / 3, 1 / 4, 1 / 5])  # running mean
    np.testing.assert_array_equal(rates[:, 1], 1.0)
    late = _average_rates(TrainConfig(warmup=1, average=0.5), state, steps=4)[0]
    np.testing.assert_allclose(late[:, 0], 0.5)  # 1/(h · steps): an average over h epochs


def test_no_average_before_the_warm_up_ends_and_a_different_one_after():
    v, e = one_bit_lattice(2000, seed=7, p=0.8)
    runs = {}
    for epochs in (4, 8):
        for average in (0.0, 5.0):
            cfg = TrainConfig(epochs=epochs, warmup=4, patience=0, average=average)
            runs[epochs, average] = train_batch(v, e, components=1, runs=2, seed=8, config=cfg)
    for name in FIELDS:  # the warm-up covers every epoch: bit for bit the raw parameters
        np.testing.assert_array_equal(getattr(runs[4, 0.0], name), getattr(runs[4, 5.0], name))
    raw, averaged = runs[8, 0.0].history[..., 1], runs[8, 5.0].history[..., 1]
    np.testing.assert_array_equal(raw[:, :4], averaged[:, :4])
    assert np.abs(raw[:, 4:] - averaged[:, 4:]).min() > 0  # validation scores the average
    assert torch.get_num_threads() == 1
