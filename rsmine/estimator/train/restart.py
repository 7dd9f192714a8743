"""Restarts of replicas still on the initial plateau at the end of their warm-up.

A replica leaves the initial plateau (validation estimate ≈ 0) once its filters and critic
have grown a shared component along the signal, and that growth starts from the random
initial filters' share of the signal subspace: the smaller the share, the longer the plateau.
On the dimers at T = ∞ (32×32 vertices, lb 8; benchmarks/RESULTS.md) replicas whose initial
share of span{Ex, Ey} is 0.004-0.02 (1/16 is the isotropic mean) need 34-46 epochs to leave
it, those with 0.03-0.16 need 10-20. Meanwhile the critic, fed an H without signal, fits the
training windows: its training estimate climbs while validation stays at 0, even after Λ has
turned into the plane. Early stopping then ends the run at 0.

So a replica whose best validation estimate at the end of its warm-up is within RESTART_SE
standard errors of 0 (or below PLATEAU_FLOOR) starts again: new initial filters (scaled as
the first) and a new critic, from a stream of its own (seed, k) — isotropic like the first
draw, no direction of the data enters — with Adam's first moment cleared and its warm-up
counted anew, at most ``config.restarts`` times. A replica that has left the plateau by then
is never touched, so results where runs leave it early (Ising, small lb) are unchanged.
"""

import math

import numpy as np
import torch

from rsmine.estimator import critics
from rsmine.estimator.train.config import TrainConfig
from rsmine.estimator.train.parts import Parts
from rsmine.estimator.train.replicas import FILTERS, Replicas, axis, initial, rescaled, where
from rsmine.estimator.train.setup import Setup

RESTART_SE = 2.0  # validation standard errors within which a best estimate counts as 0
# nats: nor does a best estimate below this. On the plateau the critic's small random
# dependence on H biases the whole-part estimate by ~1e-4 nats, several of its standard
# errors there (32x32 dimers, 16 origins: 1e-4 - 2e-4 nats against se < 1e-4)
PLATEAU_FLOOR = 1e-3


def restart_stream(seed: int, k: int, attempt: int) -> torch.Generator:
    """Replica k's initialisation stream for its ``attempt``-th restart (1, 2, ...): child
    2 + attempt of SeedSequence(seed, spawn_key=(k,)), after the three of
    :func:`.replicas.streams`."""
    child = np.random.SeedSequence(seed, spawn_key=(k, 2 + attempt))
    return torch.Generator().manual_seed(int(child.generate_state(1, np.uint64)[0]))


def on_plateau(
    config: TrainConfig, state: Replicas, stderr: torch.Tensor, epoch: int
) -> np.ndarray:
    """(R,) bool: the replicas to restart after ``epoch``: at the last epoch of their warm-up,
    best validation estimate below max(RESTART_SE × ``stderr``, PLATEAU_FLOOR) (stderr (R,):
    this epoch's validation standard error, nats), restarts left; never in fixed-Λ mode."""
    if not state.trains_filters or config.restarts == 0:
        return np.zeros(len(state.ids), bool)
    last = epoch == state.started + max(config.warmup, 1) - 1
    flat = (state.best_val < (RESTART_SE * stderr).clamp(min=PLATEAU_FLOOR)).cpu().numpy()
    return last & flat & (state.restarts < config.restarts)


def restart(setup: Setup, parts: Parts, state: Replicas, which: np.ndarray, epoch: int) -> None:
    """Re-initialise the replicas ``which`` (R,) bool after ``epoch``, in place: parameters
    from :func:`restart_stream`, best copies and moving average = the new parameters, best
    validation -inf, Adam's first moment 0, ``started`` = epoch + 1, ``restarts`` + 1."""
    pos = np.flatnonzero(which)
    state.restarts[pos] += 1
    fresh = [
        initial(
            restart_stream(state.seed, state.first_run + int(state.ids[i]), state.restarts[i]),
            setup,
            parts,
        )
        for i in pos
    ]
    new = critics.stack_replicas([critic for _, critic in fresh])
    new[FILTERS] = rescaled(torch.stack([lam for lam, _ in fresh]), parts, setup.config.init_scale)
    device = state.best_val.device
    idx = torch.as_tensor(pos, device=device)
    for name, t in state.params.items():
        t.index_copy_(axis(name), idx, new[name].to(device))
        state.moments[name][0].index_fill_(axis(name), idx, 0.0)
        if state.average is not None:
            state.average[name].index_copy_(axis(name), idx, new[name].to(device))
    chosen = torch.as_tensor(which, device=device)
    state.best = where(chosen, state.params, state.best)
    state.best_val[idx] = -math.inf
    state.smoothed[idx] = math.nan
    state.best_epoch[pos] = epoch
    state.started[pos] = epoch + 1
