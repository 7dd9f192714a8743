"""The training loop (Algorithm 1) of a replica batch, on whatever device the options name.

R independent replicas (own Λ, own critic, own initialisation, own Gumbel noise) train as one
batched model on shared minibatches. Replica k is seeded from (seed, k) alone and everything
shared (the train/val/test split, the minibatch order, the V origin drawn per sample) comes
from ``seed`` alone, so replica k gives the same result trained alone or in any batch.

A replica still on the initial plateau at the end of its warm-up starts again from a new
initialisation of its own (:mod:`.restart`), at most ``restarts`` times.

Honest estimates: configurations are split into training, validation and test parts; each
replica keeps the parameters of its best validation epoch and stops after ``patience`` epochs
without improvement; its reported RSMI is the bound of the hard H that ``rsmine coarse-grain``
writes, scored with the whole test part as one candidate set (:mod:`.evaluation`), with a
standard error, never used for any decision. Validation is scored the same way. A replica
that stops or fails is removed from the batch, so the others' results do not depend on it.
"""

import functools
from typing import Any

import numpy as np
import torch

from rsmine.errors import InputError
from rsmine.estimator import coarse
from rsmine.estimator.regions import Windows
from rsmine.estimator.train.adam import adam_step, filterwise_adam_step
from rsmine.estimator.train.backward import gradients
from rsmine.estimator.train.checkpoint import Checkpoint, load_state_dict, state_dict
from rsmine.estimator.train.config import TrainConfig
from rsmine.estimator.train.evaluation import score_part, validate
from rsmine.estimator.train.groups import groups_for
from rsmine.estimator.train.lbfgs import refine
from rsmine.estimator.train.packing import pack
from rsmine.estimator.train.parts import Parts, part_sizes, split
from rsmine.estimator.train.replicas import FILTERS, Replicas, along
from rsmine.estimator.train.restart import on_plateau, restart
from rsmine.estimator.train.result import BatchResult
from rsmine.estimator.train.setup import Setup
from rsmine.estimator.train.stopping import update_best


def train_batch(v: np.ndarray, e: np.ndarray, **options: Any) -> BatchResult:
    """:func:`train_windows` (same keyword ``options``) on windows already materialised:
    v (N, O, n_visible), e (N, O, n_env) float32 with O V-origins per configuration."""
    for name, a in (("v", v), ("e", e)):
        if not isinstance(a, np.ndarray) or a.ndim != 3:
            raise InputError(f"{name} must be an array (N, O, sites), got {np.shape(a)}")
    if v.shape[:2] != e.shape[:2]:
        raise InputError(f"v {v.shape} and e {e.shape} disagree on (N, O)")
    return train_windows(Windows.of_arrays(v, e), **options)


def train_windows(
    windows: Windows,
    *,
    components: int,
    runs: int,
    first_run: int = 0,
    seed: int,
    config: TrainConfig,
    mask: np.ndarray | None = None,
    filters: np.ndarray | None = None,
    checkpoint: Checkpoint | None = None,
) -> BatchResult:
    """Optimise runs ``first_run .. first_run + runs - 1``; replica k seeded from (seed, k) alone.

    windows: the V and E windows of N configurations at O origins (e.g.
    :meth:`rsmine.estimator.regions.Partition.windows`), gathered per minibatch; the split is
    over configurations. mask: (n_visible,) bool, True where a filter weight is free.
    filters: fixed Λ, (F, n_visible) or (runs, F, n_visible): train only the critic and report
    I_Λ(H:E) of the given filter (fixed-Λ mode). Runs on ``config.device``.
    checkpoint: where the state is saved after every epoch and, if a checkpoint of the same
    settings is there, continued from (the result is the uninterrupted run's, bit for bit).
    """
    _check_inputs(windows, components, runs, first_run, config, mask, filters)
    setup = Setup.create(config, components, mask)
    shared = np.random.default_rng(np.random.SeedSequence(seed))
    parts = split(windows, config, shared, setup.device)
    state = Replicas.create(setup, parts, seed, first_run, runs, filters)
    result = BatchResult.empty(runs, setup.rows, windows.n_visible, config.epochs)
    result.inputs = parts.inputs.record()
    saved = checkpoint.load() if checkpoint is not None else None
    start, taus = load_state_dict(saved, state, shared, result) if saved else (0, [])
    run(setup, parts, state, shared, result, start, taus, checkpoint)
    return result


def _check_inputs(windows, components, runs, first_run, config, mask, filters) -> None:
    if not isinstance(config, TrainConfig):
        raise InputError("config must be a TrainConfig")
    for name in ("v", "e"):
        source = getattr(windows, f"{name}_source")
        if not isinstance(source, np.ndarray) or source.ndim != 2:
            raise InputError(
                f"{name}: stored values must be an array (N, S), got {np.shape(source)}"
            )
        if not (np.issubdtype(source.dtype, np.integer) or np.isfinite(source).all()):
            raise InputError(f"{name} contains non-finite values")
    if windows.v_source.shape[0] != windows.e_source.shape[0]:
        raise InputError(f"v {windows.v_source.shape} and e {windows.e_source.shape} disagree on N")
    n_visible = windows.n_visible
    if components < 1 or runs < 1 or first_run < 0:
        raise InputError("components and runs must be >= 1 and first_run >= 0")
    smallest = min(part_sizes(windows.n_configs, config.split))
    if smallest < config.batch:
        raise InputError(
            f"{windows.n_configs} configurations split {config.split} leave a part of "
            f"{smallest} < batch {config.batch}"
        )
    if mask is not None and (np.shape(mask) != (n_visible,) or not np.any(mask)):
        raise InputError(f"mask must be ({n_visible},) bool with a free weight")
    rows = components * coarse.filters_per_component(config.embedding, config.states)
    if filters is not None and np.shape(filters) not in (
        (rows, n_visible),
        (runs, rows, n_visible),
    ):
        raise InputError(f"filters must be ({rows}, {n_visible}) or ({runs}, {rows}, {n_visible})")


def run(
    setup: Setup,
    parts: Parts,
    state: Replicas,
    shared: np.random.Generator,
    result: BatchResult,
    start: int = 0,
    taus: list[float] | None = None,
    checkpoint: Checkpoint | None = None,
) -> None:
    """Train ``state`` epoch by epoch until every replica has stopped; fill ``result``.

    shared: the generator of the minibatch order and origin picks (after the split's draw).
    start, taus: the epoch to start from and the relaxation schedule so far (a resumed run);
    checkpoint: saved after every epoch (:mod:`.checkpoint`).
    """
    c = setup.config
    taus = [] if taus is None else taus
    with groups_for(setup.device, len(state.ids)) as groups:
        for epoch in range(start, c.epochs):
            plan = _plan_epoch(setup, parts, shared, taus)
            work = functools.partial(_train_and_validate, setup, parts, *plan)
            state, (train_est, val, val_se) = groups.map(state, work)
            result.history[state.ids, epoch, 0] = train_est.cpu().numpy()
            result.history[state.ids, epoch, 1] = val.cpu().numpy()
            stop = update_best(c, state, train_est, val, epoch, result)
            if epoch == c.epochs - 1:
                stop[:] = True
            again = on_plateau(c, state, val_se, epoch) & ~stop
            if again.any():
                restart(setup, parts, state, again, epoch)
            if stop.any():
                groups.map(state.subset(stop), lambda g: _finalise(setup, parts, g, result))
                state.keep(~stop)
            if len(state.ids) == 0:
                break
            if checkpoint is not None:
                checkpoint.save(state_dict(state, shared, taus, result, epoch + 1))
    result.tau = np.asarray(taus, np.float32)


def _plan_epoch(
    setup: Setup, parts: Parts, shared: np.random.Generator, taus: list[float]
) -> tuple[torch.Tensor, list[float]]:
    """What every replica of an epoch shares: the minibatches' windows (steps · K,) in order
    (:meth:`Parts.flat`, drawn from ``shared``) and the relaxation τ of each step, Eq. (B9)
    in the global step count len(``taus``) (appended to ``taus``)."""
    k = setup.config.batch
    n = parts.size("train")
    steps = n // k
    order = torch.as_tensor(shared.permutation(n)[: steps * k], device=setup.device)
    pick = torch.as_tensor(shared.integers(parts.origins, size=steps * k), device=setup.device)
    annealing = setup.config.annealing
    schedule = [annealing.tau(len(taus) + s) for s in range(steps)]
    taus.extend(schedule)
    return parts.flat("train", order, pick), schedule


def _train_and_validate(
    setup: Setup, parts: Parts, flat: torch.Tensor, schedule: list[float], state: Replicas
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One epoch of ``state`` (:func:`_train_epoch`), then its validation: (R,) each of the
    training minibatches' mean bound, the validation estimate and its standard error, nats."""
    train_est = _train_epoch(setup, parts, state, flat, schedule)
    scored = validate(setup, state.scored, parts)
    return train_est, scored.value, scored.stderr


@torch.no_grad()
def _train_epoch(
    setup: Setup, parts: Parts, state: Replicas, flat: torch.Tensor, schedule: list[float]
) -> torch.Tensor:
    """One epoch of Algorithm 1 on the minibatches of ``flat`` with τ of ``schedule`` (from
    :func:`_plan_epoch`), the parameter average updated after every step; returns (R,) mean
    bound."""
    c = setup.config
    k = c.batch
    steps = len(schedule)
    cpu = torch.device("cpu")
    eps_all = torch.stack(
        [coarse.noise(g, (steps, k, setup.rows), c.embedding, cpu) for g in state.noise_gens], 1
    ).to(setup.device)
    total = torch.zeros(len(state.ids), device=setup.device)
    packed = pack(state, c.weight_decay, c.lambda_optimiser == "filterwise")
    free = setup.free(parts.n_visible)
    rates = _average_rates(c, state, steps)
    for s, tau in enumerate(schedule):
        v, e = parts.gather(flat[s * k : (s + 1) * k])
        total += gradients(setup, state, v, e, eps_all[s], tau, packed)
        state.step += 1
        adam_step(packed.groups, state.step, c.lr)
        if packed.filters is not None:
            filterwise_adam_step(packed.filters, state.step, c.lr, free)
        if rates is not None:
            _move_average(state, rates[0][s], rates[1][s])
    return total / steps


def _move_average(state: Replicas, host: np.ndarray, rates: torch.Tensor) -> None:
    """Move each replica's parameter average ``rates`` (R,) of the way to its parameters
    (``host``: the same rates on the host). Separate products and sums, not a fused lerp, so
    that a replica's average does not depend on its place in the batch; rate 1 copies."""
    copy = host == 1
    every, some = copy.all(), copy.any()
    for name, t in state.params.items():
        average = state.average[name]
        if every:
            average.copy_(t)
            continue
        w = along(name, t, rates)
        if some:
            average.copy_(torch.where(w == 1, t, (t - average).mul_(w).add_(average)))
        else:
            average.add_((t - average).mul_(w))


def _average_rates(
    config: TrainConfig, state: Replicas, steps: int
) -> tuple[np.ndarray, torch.Tensor] | None:
    """(steps, R), on the host and on the device: how far each step of this epoch moves each
    replica's parameter average to its parameters. 1 (the average is the parameters) until
    the end of the replica's warm-up, so that the plateau test (:mod:`.restart`) sees the
    parameters themselves; then 1/(t + 1) at its t-th step after it (the running mean) until
    that falls below 1/(h · steps), h = ``config.average`` epochs: an exponential average over
    h epochs. None without average."""
    if state.average is None:
        return None
    done = int(state.step)  # steps before this epoch, ``steps`` per epoch
    start = (state.started + config.warmup) * steps  # the first averaged step's predecessor
    t = done + 1 + np.arange(steps)[:, None] - start[None, :]
    mean = 1 / (np.maximum(t, 0) + 1)
    rates = np.where(t <= 0, 1.0, np.maximum(1 / (config.average * steps), mean))
    rates = rates.astype(np.float32)
    return rates, torch.as_tensor(rates, device=state.best_val.device)


def _finalise(setup: Setup, parts: Parts, state: Replicas, result: BatchResult) -> tuple[()]:
    """Record the replicas of ``state`` (those stopping now): best filters, validation,
    training and test estimates."""
    ids, best, noise, best_val = state.ids, state.best, state.eval_noise, state.best_val
    if setup.config.lbfgs_steps > 0 and state.trains_filters:
        best, best_val = refine(setup, parts, best, noise, best_val)
    filters = best[FILTERS] if setup.mask is None else best[FILTERS] * setup.mask
    result.filters[ids] = filters.cpu().numpy()
    result.best_epoch[ids] = state.best_epoch
    result.restarts[ids] = state.restarts
    ok = ~result.failed[ids]
    result.rsmi_val[ids[ok]] = best_val.cpu().numpy()[ok]
    test = score_part(setup, best, parts, "test", noise=noise["test"])
    # the training part scored with as many candidates as the test part: the same K
    train = score_part(setup, best, parts, "train", parts.size("test")).value.cpu().numpy()
    sampled = test.sampled.cpu().numpy()
    result.candidates = test.candidates
    result.rsmi[ids[ok]] = test.value.cpu().numpy()[ok]
    result.rsmi_se[ids[ok]] = test.stderr.cpu().numpy()[ok]
    result.rsmi_train[ids[ok]] = train[ok]
    result.rsmi_sampled[ids[ok]] = sampled[ok]
    return ()
