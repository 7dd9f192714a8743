"""Early stopping: keep each replica's best-validation parameters (those validation scored,
``Replicas.scored``); decide who stops now."""

import numpy as np
import torch

from rsmine.estimator.train.config import TrainConfig
from rsmine.estimator.train.replicas import Replicas, where
from rsmine.estimator.train.result import BatchResult


def update_best(
    config: TrainConfig,
    state: Replicas,
    train_est: torch.Tensor,
    val: torch.Tensor,
    epoch: int,
    result: BatchResult,
) -> np.ndarray:
    """Track best-validation parameters after ``epoch``; mark replicas with a non-finite
    estimate failed in ``result``. train_est, val: (R,) nats.

    Returns (R,) bool: the replicas that stop now: failed, or, counting only epochs from
    the warm-up's last (``warmup`` - 1 epochs after the replica's current initialisation
    started, ``state.started``) on, ``patience`` epochs without improvement or halted by
    Eqs. (B10)-(B11).
    """
    finite = (torch.isfinite(train_est) & torch.isfinite(val)).cpu().numpy()
    failed = ~finite
    result.failed[state.ids[failed]] = True
    result.failed_epoch[state.ids[failed]] = epoch
    improved = (val > state.best_val) & torch.isfinite(val)
    state.best = where(improved, state.scored, state.best)
    state.best_val = torch.where(improved, val, state.best_val)
    improved_np = improved.cpu().numpy()
    state.best_epoch[improved_np] = epoch
    stop = failed.copy()
    if config.patience > 0:
        counted = np.maximum(state.best_epoch, state.started + config.warmup - 1)
        stop |= epoch - counted >= config.patience
    if config.halt_delta is not None:
        previous = state.smoothed
        state.smoothed = torch.where(
            torch.isnan(previous), val, config.halt_alpha * val + (1 - config.halt_alpha) * previous
        )
        halted = (state.smoothed - previous <= config.halt_delta).cpu().numpy()
        stop |= halted & (epoch >= state.started + config.warmup)
    return stop
