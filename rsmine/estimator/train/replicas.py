"""The batched replica state: parameters, Adam moments, best-validation copies, noise streams.

Replica k is seeded from (seed, k) alone: its initial Λ and critic, its training noise and its
fixed evaluation noise come from three streams spawned from SeedSequence(seed, spawn_key=(k,)).
Parameters are batched along a replica axis (:func:`axis`): Λ ``filters`` (R, F, n_visible),
the critic as in :mod:`rsmine.estimator.critics`.
"""

import copy
import math
from dataclasses import dataclass, field

import numpy as np
import torch

from rsmine.estimator import coarse, critics
from rsmine.estimator.train.parts import Parts
from rsmine.estimator.train.setup import Setup

FILTERS = "filters"


def axis(name: str) -> int:
    """The replica axis of parameter ``name``."""
    return 0 if name == FILTERS else critics.replica_axis(name)


def select(params: dict[str, torch.Tensor], idx: torch.Tensor) -> dict[str, torch.Tensor]:
    """The replicas ``idx`` (m,) of batched ``params``."""
    return {k: t.index_select(axis(k), idx) for k, t in params.items()}


def along(name: str, t: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """``values`` (..., R) viewed to broadcast against parameter ``name`` of shape ``t``'s
    along its replica axis: (..., 1, R, 1, ...)."""
    shape = [1] * t.dim()
    shape[axis(name)] = -1
    return values.view(*values.shape[:-1], *shape)


def where(
    keep: torch.Tensor, new: dict[str, torch.Tensor], old: dict[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """Per replica, ``new`` where ``keep`` (R,) bool, else ``old``."""
    return {name: torch.where(along(name, t, keep), t, old[name]) for name, t in new.items()}


def streams(seed: int, k: int) -> list[torch.Generator]:
    """Replica k's generators (initialisation, training noise, evaluation noise) from (seed, k)."""
    children = np.random.SeedSequence(seed, spawn_key=(k,)).spawn(3)
    return [torch.Generator().manual_seed(int(c.generate_state(1, np.uint64)[0])) for c in children]


@dataclass
class Replicas:
    """The active replicas: parameters, Adam moments and best-validation copies (device).

    ids (R,): positions in the result arrays; seed, first_run: replica ids[i] is run
    first_run + ids[i], seeded from (seed, first_run + ids[i]); best_val (R,) nats, -inf before
    any epoch; best_epoch (R,) int32; started (R,) int32: the epoch its current initialisation
    started (0, or the epoch after a restart, :mod:`.restart`); restarts (R,) int32: how often
    it restarted; smoothed (R,): the halting rule's smoothed validation estimate;
    eval_noise: part -> (R, O, n, F) fixed evaluation noise (n: see
    :func:`_eval_shape`); trainable: the parameter
    names the optimiser updates (all but ``filters`` in fixed-Λ mode); grads like params.
    """

    ids: np.ndarray
    seed: int
    first_run: int
    params: dict[str, torch.Tensor]
    moments: dict[str, list[torch.Tensor]]
    best: dict[str, torch.Tensor]
    best_val: torch.Tensor
    best_epoch: np.ndarray
    started: np.ndarray
    restarts: np.ndarray
    smoothed: torch.Tensor
    noise_gens: list[torch.Generator]
    eval_noise: dict[str, torch.Tensor]
    trainable: list[str]
    grads: dict[str, torch.Tensor] = field(default_factory=dict)
    step: torch.Tensor = field(default_factory=lambda: torch.zeros(()))
    average: dict[str, torch.Tensor] | None = None

    def __post_init__(self) -> None:
        self.grads = {n: torch.zeros_like(self.params[n]) for n in self.trainable}
        self.step = torch.zeros((), device=self.best_val.device)

    @property
    def scored(self) -> dict[str, torch.Tensor]:
        """The parameters that validation scores and early stopping keeps: the moving average
        (:func:`.loop._train_epoch`), or the parameters themselves without one."""
        return self.params if self.average is None else self.average

    @property
    def parameter_groups(self) -> tuple[str, ...]:
        """The names of this state's per-replica parameter dictionaries (the moving average
        where one is kept; the Adam moments, lists of two, apart)."""
        return ("params", "best", "grads") + (("average",) if self.average is not None else ())

    @property
    def critic_names(self) -> list[str]:
        return [n for n in self.trainable if n != FILTERS]

    @property
    def filter_names(self) -> list[str]:
        return [n for n in self.trainable if n == FILTERS]

    @property
    def trains_filters(self) -> bool:
        return FILTERS in self.trainable

    @classmethod
    def create(
        cls,
        setup: Setup,
        parts: Parts,
        seed: int,
        first_run: int,
        runs: int,
        filters: np.ndarray | None = None,
    ) -> "Replicas":
        """Replicas ``first_run .. first_run + runs - 1``, initialised from (seed, k).

        filters: fixed Λ (F, n_visible) or (runs, F, n_visible) — fixed-Λ mode — or None.
        """
        own, per, gens = [], [], []
        # filled in place, replica by replica: no second copy of the largest tensors
        evals = {p: torch.empty(runs, *_eval_shape(parts, p, setup)) for p in parts.rows}
        for i in range(runs):
            init, train_noise, eval_noise = streams(seed, first_run + i)
            lam, critic = initial(init, setup, parts)
            own.append(lam)
            per.append(critic)
            gens.append(train_noise)
            for part, noise in evals.items():
                noise[i] = _eval_noise(eval_noise, parts, part, setup)[:, : noise.shape[2]]
        params = critics.stack_replicas(per)
        params[FILTERS] = _initial_filters(own, filters, setup)
        if filters is None:
            params[FILTERS] = rescaled(params[FILTERS], parts, setup.config.init_scale)
        params = {k: t.to(setup.device) for k, t in params.items()}
        moments = {k: [torch.zeros_like(t), torch.zeros_like(t)] for k, t in params.items()}
        nan = torch.full((runs,), -math.inf, device=setup.device)
        return cls(
            ids=np.arange(runs),
            seed=seed,
            first_run=first_run,
            params=params,
            moments=moments,
            best={k: t.clone() for k, t in params.items()},
            average={k: t.clone() for k, t in params.items()} if setup.config.average else None,
            best_val=nan,
            best_epoch=np.zeros(runs, np.int32),
            started=np.zeros(runs, np.int32),
            restarts=np.zeros(runs, np.int32),
            smoothed=torch.full((runs,), math.nan, device=setup.device),
            noise_gens=gens,
            eval_noise={p: t.to(setup.device) for p, t in evals.items()},
            trainable=[n for n in params if filters is None or n != FILTERS],
        )

    def subset(self, sel: np.ndarray) -> "Replicas":
        """A new state of the replicas where ``sel`` (R,) bool is True (this one unchanged)."""
        part = copy.copy(self)
        part.step = self.step.clone()  # stepped in place by its own optimiser
        part.keep(sel)
        return part

    def split(self, groups: int) -> list["Replicas"]:
        """The replicas in ``groups`` contiguous groups of near-equal size (none empty)."""
        position = np.arange(len(self.ids))
        chunks = np.array_split(position, min(groups, len(position)))
        return [self.subset(np.isin(position, chunk)) for chunk in chunks]

    @classmethod
    def join(cls, groups: list["Replicas"]) -> "Replicas":
        """One state of ``groups`` (from :meth:`split`, all at the same step), in their order."""

        def cat(name: str, tensors: list[torch.Tensor]) -> torch.Tensor:
            return torch.cat(tensors, axis(name))

        def each(attr: str) -> list:
            return [getattr(g, attr) for g in groups]

        joined = copy.copy(groups[0])
        for attr in ("ids", "best_epoch", "started", "restarts"):
            setattr(joined, attr, np.concatenate(each(attr)))
        for attr in joined.parameter_groups:
            setattr(joined, attr, {k: cat(k, [d[k] for d in each(attr)]) for k in each(attr)[0]})
        joined.moments = {
            k: [cat(k, [g.moments[k][i] for g in groups]) for i in range(2)] for k in joined.moments
        }
        joined.best_val, joined.smoothed = torch.cat(each("best_val")), torch.cat(each("smoothed"))
        joined.noise_gens = [gen for g in groups for gen in g.noise_gens]
        noise = each("eval_noise")
        joined.eval_noise = {p: torch.cat([n[p] for n in noise]) for p in noise[0]}
        return joined

    def keep(self, sel: np.ndarray) -> None:
        """Drop the replicas where ``sel`` (R,) bool is False."""
        idx = torch.as_tensor(np.flatnonzero(sel), device=self.best_val.device)
        self.ids = self.ids[sel]
        self.params = select(self.params, idx)
        self.moments = {
            k: [t.index_select(axis(k), idx) for t in m] for k, m in self.moments.items()
        }
        self.best = select(self.best, idx)
        if self.average is not None:
            self.average = select(self.average, idx)
        self.best_val, self.smoothed = self.best_val[idx], self.smoothed[idx]
        self.best_epoch = self.best_epoch[sel]
        self.started, self.restarts = self.started[sel], self.restarts[sel]
        self.noise_gens = [g for g, s in zip(self.noise_gens, sel, strict=True) if s]
        self.eval_noise = {p: t[idx] for p, t in self.eval_noise.items()}
        self.grads = {n: torch.zeros_like(self.params[n]) for n in self.trainable}


def initial(
    generator: torch.Generator, setup: Setup, parts: Parts
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """One replica's random initialisation drawn from ``generator`` in this order: Λ
    (F, n_visible) (:func:`rsmine.estimator.coarse.init_filters`, before :func:`rescaled`),
    then the critic's v and u networks (no replica axis)."""
    c = setup.config
    lam = coarse.init_filters(generator, setup.rows, parts.n_visible, setup.mask_cpu)
    critic = critics.init_net(generator, "v", setup.rows, c.critic)
    critic.update(critics.init_net(generator, "u", parts.n_env, c.critic))
    return lam, critic


def _eval_shape(parts: Parts, part: str, setup: Setup) -> tuple[int, int, int]:
    """(O, n, F): the evaluation noise of ``part`` one replica keeps. n: all the test part's
    configurations (its sampled diagnostic), all the training part's where L-BFGS refines Λ
    on it, else none (hard H needs no noise)."""
    keep = part == "test" or (part == "train" and setup.config.lbfgs_steps > 0)
    return (parts.origins, parts.size(part) if keep else 0, setup.rows)


def _eval_noise(gen: torch.Generator, parts: Parts, part: str, setup: Setup) -> torch.Tensor:
    """One replica's evaluation noise of the whole ``part``, (O, n_part, F): drawn whole
    whatever is kept, so the stream is the same."""
    shape = (parts.origins, parts.size(part), setup.rows)
    return coarse.noise(gen, shape, setup.config.embedding, torch.device("cpu"))


def _initial_filters(
    own: list[torch.Tensor], filters: np.ndarray | None, setup: Setup
) -> torch.Tensor:
    """(R, F, n_visible): the replicas' random Λ, or the fixed ``filters`` (fixed-Λ mode)."""
    if filters is None:
        return torch.stack(own)
    f = torch.as_tensor(np.asarray(filters, np.float32))
    stacked = f.expand(len(own), *f.shape[-2:]).clone()
    return stacked if setup.mask is None else stacked * setup.mask_cpu


SCALE_SAMPLE = 2000  # training configurations that set the initial filters' scale
SCALE_REPLICAS = 8  # replicas whose scale is measured in one pass


def rescaled(filters: torch.Tensor, parts: Parts, scale: float) -> torch.Tensor:
    """Each row of ``filters`` (R, F, n_visible) scaled so that its output on the inputs as the
    filters see them (standardised, :meth:`Parts.gather`) has standard deviation ``scale`` over
    the first SCALE_SAMPLE training configurations (all origins); a row with no spread is left
    as it is; ``scale`` 0: ``filters`` unchanged (the paper's initialisation)."""
    if scale == 0:
        return filters
    rows = parts.rows["train"][:SCALE_SAMPLE]
    origins = torch.arange(parts.origins, device=rows.device)
    v = parts.gather_v((rows.unsqueeze(1) * parts.origins + origins).reshape(-1)).cpu()
    # a few replicas at a time: the broadcast product of logits is (R, m, F, n_visible)
    spread = torch.cat(
        [coarse.logits(f, v, None).std(dim=1) for f in filters.split(SCALE_REPLICAS)]
    )
    factor = torch.where(spread > 0, scale / spread, torch.ones_like(spread))
    return filters * factor.unsqueeze(-1)
