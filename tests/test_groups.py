"""Replica groups on a CPU's threads (rsmine.estimator.train.groups): a batch split over two
threads trains to what one batch on one thread gives, and split/join lose nothing."""

import threading

import numpy as np
import pytest
import torch

from rsmine.estimator.regions import Windows
from rsmine.estimator.train import Replicas, Setup, TrainConfig, split, train_windows
from rsmine.estimator.train.groups import GROUP_MIN, groups_for

RESULTS = ("filters", "rsmi", "rsmi_se", "rsmi_val", "rsmi_train", "rsmi_sampled", "history")


@pytest.fixture
def threads():
    """Sets torch's intra-op threads for one test; restores them after."""
    before = torch.get_num_threads()
    yield torch.set_num_threads
    torch.set_num_threads(before)


def _windows(seed: int) -> Windows:
    """1500 configurations sharing one bit s between V (16 sites) and E (240 sites, 90 %)."""
    rng = np.random.default_rng(seed)
    s = rng.choice(np.array([-1, 1], np.int8), size=(1500, 1))
    v = s * np.where(rng.random((1500, 16)) < 0.7, 1, -1).astype(np.int8)
    e = s * np.where(rng.random((1500, 240)) < 0.9, 1, -1).astype(np.int8)
    return Windows.of_arrays(v[:, None], e[:, None])


@pytest.mark.parametrize("average", [0.0, 5.0])
def test_two_threads_train_as_one_batch(threads, average):
    """Sixteen replicas on two threads (two groups of eight) as on one (one group), up to the
    rounding of batched products that any batch size gives (tests/test_train.py: alone vs in
    a batch); with raw parameters scored early stopping shrinks the batch at different
    epochs, with the moving average (the default) every replica runs the 8 epochs."""
    cfg = TrainConfig(epochs=8, patience=1, warmup=0, batch=50, average=average)
    results = []
    for n in (2, 1):
        threads(n)
        results.append(train_windows(_windows(3), components=1, runs=16, seed=5, config=cfg))
        assert torch.get_num_threads() == n  # restored after the groups' single threads
    grouped, single = results
    ran = np.isfinite(single.history[:, :, 1]).sum(1)
    assert len(set(ran.tolist())) > 1 if average == 0 else set(ran.tolist()) == {8}
    for name in RESULTS:
        np.testing.assert_allclose(getattr(grouped, name), getattr(single, name), atol=1e-5)
    np.testing.assert_array_equal(grouped.best_epoch, single.best_epoch)
    np.testing.assert_array_equal(grouped.tau, single.tau)
    assert (single.rsmi > 0.1).all()  # the runs learnt: the comparison is not of zeros


def _state(runs: int) -> tuple[Setup, Replicas]:
    cfg = TrainConfig(batch=50)
    setup = Setup.create(cfg, components=1, mask=None)
    parts = split(_windows(4), cfg, np.random.default_rng(0), setup.device)
    return setup, Replicas.create(setup, parts, seed=2, first_run=0, runs=runs)


def _same_state(a: Replicas, b: Replicas) -> None:
    np.testing.assert_array_equal(a.ids, b.ids)
    for name in ("params", "best", "grads", "eval_noise"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.keys() == y.keys()
        for key in x:
            assert torch.equal(x[key], y[key]), (name, key)
    for key, (m1, m2) in a.moments.items():
        assert torch.equal(m1, b.moments[key][0]) and torch.equal(m2, b.moments[key][1])
    assert torch.equal(a.best_val, b.best_val) and torch.equal(a.step, b.step)
    assert [g.get_state().tolist() for g in a.noise_gens] == [
        g.get_state().tolist() for g in b.noise_gens
    ]


def test_split_then_join_is_the_state_and_groups_are_independent():
    _, state = _state(7)
    state.step += 3
    groups = state.split(3)
    assert [g.ids.tolist() for g in groups] == [[0, 1, 2], [3, 4], [5, 6]]
    _same_state(Replicas.join(groups), state)
    groups[0].step += 1  # each group steps its own optimiser
    assert float(groups[1].step) == 3 and float(state.step) == 3
    assert [len(g.ids) for g in state.split(10)] == [1] * 7  # never an empty group


def test_groups_run_on_their_own_threads_with_one_intra_op_thread(threads):
    threads(2)
    _, state = _state(17)
    seen = []

    def work(group: Replicas) -> tuple[torch.Tensor]:
        seen.append((threading.current_thread().name, torch.get_num_threads(), len(group.ids)))
        return (torch.as_tensor(group.ids),)

    with groups_for(torch.device("cpu"), 17) as groups:
        joined, (ids,) = groups.map(state, work)
    assert sorted(n for _, _, n in seen) == [8, 9] and all(t == 1 for _, t, _ in seen)
    assert all(name != threading.main_thread().name for name, _, _ in seen)
    assert ids.tolist() == list(range(17)) and torch.get_num_threads() == 2
    _same_state(joined, state)
    with groups_for(torch.device("cpu"), 2 * GROUP_MIN - 1) as groups:  # too few for two
        assert groups.count == 1 and torch.get_num_threads() == 2
    with groups_for(torch.device("meta"), 64) as groups:  # not a CPU: one group, no threads
        assert groups.count == 1
