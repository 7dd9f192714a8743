"""Joint optimisation of coarse-graining filters Λ and critic Θ (Algorithm 1), replica-batched.

R independent replicas (own Λ, own critic, own initialisation, own Gumbel noise) train as one
batched model on shared minibatches. Replica k is seeded from (seed, k) alone and everything
shared (the train/val/test split, the minibatch order, the V origin drawn per sample) comes
from ``seed`` alone, so replica k gives the same result trained alone or in any batch.

Honest estimates: configurations are split into training, validation and test parts; each
replica keeps the parameters of its best validation epoch and stops after ``patience`` epochs
without improvement; its reported RSMI is the bound on the test part with exactly discrete H,
never used for any decision. A replica that stops or fails is removed from the batch, so the
others' results do not depend on it.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from rsmine.errors import InputError
from rsmine.estimator import coarse, critics
from rsmine.estimator.bounds import get_bound, value_and_grad

FILTERS = "filters"
# configurations per evaluation pass: at R = 64 the (R, chunk, 32) activations then stay in
# cache (2000: 16 MB each, 20 % slower per run at one epoch)
EVAL_CHUNK = 500


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings; defaults from the paper's Tables I-II (2D Ising) unless noted.

    epochs: maximum epochs; patience: epochs without validation improvement before a replica
    stops (0: off); batch: minibatch size K; lr: Adam learning rate for (Λ, Θ);
    bound: infonce | nwj | tuba | dv; split: training/validation/test fractions of the
    configurations; embedding: binary | categorical | continuous, states: q (categorical);
    tau_max, tau_min, anneal_rate: Eq. (B9); hidden, embed: critic MLP widths;
    weight_decay: decoupled (AdamW) decay of the critic weights; halt_delta, halt_alpha:
    optional halting on the validation estimate, Eqs. (B10)-(B11) (None: off);
    lbfgs_steps: L-BFGS iterations refining Λ with the critic frozen, Eq. (B12), kept only if
    the validation estimate does not drop (0: off); device: cpu | cuda | auto;
    centre: Λ acts on v − μ, μ (n_visible,) the training part's mean of each visible site.
    Without it a filter of one sign on non-negative variables (masses, dimer occupations)
    gives a constant H and no information; on symmetric spins μ ≈ 0 and nothing changes.
    """

    epochs: int = 30
    patience: int = 5
    batch: int = 100
    lr: float = 5e-3
    bound: str = "infonce"
    split: tuple[float, float, float] = (0.7, 0.1, 0.2)
    embedding: str = "binary"
    states: int = 2
    tau_max: float = 0.5
    tau_min: float = 0.1
    anneal_rate: float = 5e-3
    hidden: tuple[int, ...] = (32, 32)
    embed: int = 8
    weight_decay: float = 0.0
    halt_delta: float | None = None
    halt_alpha: float = 1.0
    lbfgs_steps: int = 0
    device: str = "cpu"
    centre: bool = True

    def __post_init__(self) -> None:
        _check_config(self)

    @property
    def annealing(self) -> coarse.Annealing:
        return coarse.Annealing(self.tau_max, self.tau_min, self.anneal_rate)

    @property
    def critic(self) -> critics.CriticShape:
        return critics.CriticShape(tuple(self.hidden), self.embed)


def _check_config(c: TrainConfig) -> None:
    positive = {"epochs": c.epochs, "batch": c.batch, "lr": c.lr, "embed": c.embed}
    for name, value in positive.items():
        if not value > 0:
            raise InputError(f"{name} must be positive, got {value}")
    if c.batch < 2:
        raise InputError(f"batch must be >= 2 (K negatives need K > 1), got {c.batch}")
    if c.patience < 0 or c.lbfgs_steps < 0 or c.weight_decay < 0:
        raise InputError("patience, lbfgs_steps and weight_decay must be >= 0")
    if len(c.split) != 3 or min(c.split) <= 0 or abs(sum(c.split) - 1.0) > 1e-6:
        raise InputError(f"split must be three positive fractions summing to 1, got {c.split}")
    if not 0 < c.tau_min <= c.tau_max or c.anneal_rate < 0:
        raise InputError("annealing needs 0 < tau_min <= tau_max and anneal_rate >= 0")
    if not 0 < c.halt_alpha <= 1:
        raise InputError(f"halt_alpha must lie in (0, 1], got {c.halt_alpha}")
    if c.device not in ("cpu", "cuda", "auto"):
        raise InputError(f"device must be cpu, cuda or auto, got {c.device!r}")
    get_bound(c.bound)
    coarse.check_embedding(c.embedding, c.states)


@dataclass
class EnsembleResult:
    """Outcome of R runs (all float arrays float32, estimates in nats).

    filters (R, F, n_visible) with F = C (binary, continuous) or C·q (categorical);
    rsmi (R,) test part, exact discrete H, never used for any decision; rsmi_val (R,) best
    validation estimate; rsmi_train (R,) training part with exact discrete H (the gap to rsmi
    measures memorisation); v_centre (n_visible,) the μ that Λ's input v − μ is centred on
    (zeros with ``centre`` off); best_epoch (R,) int32; history (R, epochs, 2) per-epoch
    [training minibatch mean, validation], NaN after a run stopped; failed (R,) bool
    (non-finite loss; its rsmi* are NaN); failed_epoch (R,) int32, -1 when not failed;
    tau (steps,) the Gumbel-softmax relaxation used at each optimisation step.
    """

    filters: np.ndarray
    rsmi: np.ndarray
    rsmi_val: np.ndarray
    rsmi_train: np.ndarray
    best_epoch: np.ndarray
    history: np.ndarray
    failed: np.ndarray
    failed_epoch: np.ndarray
    tau: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    v_centre: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))


@dataclass
class _Parts:
    """All configurations on the device, v (N, O, n_visible) centred on ``centre`` (n_visible,)
    and e (N, O, n_env), with the sorted configuration indices (device) of the "train", "val"
    and "test" parts."""

    v: torch.Tensor
    e: torch.Tensor
    rows: dict[str, torch.Tensor]
    centre: torch.Tensor

    @property
    def origins(self) -> int:
        return self.v.shape[1]

    def size(self, part: str) -> int:
        return self.rows[part].shape[0]

    def take(
        self, part: str, members: torch.Tensor | slice, origin: torch.Tensor | int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """v (m, n_visible), e (m, n_env) of the ``members`` of ``part`` at ``origin``(s)."""
        return self.gather(self.flat(part, members, origin))

    def flat(
        self, part: str, members: torch.Tensor | slice, origin: torch.Tensor | int
    ) -> torch.Tensor:
        """Flat (configuration·O + origin) indices (m,) of ``members`` of ``part``."""
        return self.rows[part][members] * self.origins + origin

    def gather(self, flat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """v (m, n_visible), e (m, n_env) at flat indices (m,)."""
        return _rows(self.v, flat), _rows(self.e, flat)


def _rows(a: torch.Tensor, flat: torch.Tensor) -> torch.Tensor:
    """a (N, O, n) at flat (configuration·O + origin) indices (m,) -> (m, n), one row copy."""
    return a.view(-1, a.shape[-1]).index_select(0, flat)


@dataclass
class _Setup:
    """Everything fixed during one ensemble optimisation."""

    config: TrainConfig
    device: torch.device
    mask: torch.Tensor | None
    rows: int  # F: filters per replica
    bound: Callable[[torch.Tensor], torch.Tensor]  # (..., K, K) scores -> (...,) nats
    trainable: list[str]

    @property
    def mask_cpu(self) -> torch.Tensor | None:
        return None if self.mask is None else self.mask.cpu()


def resolve_device(name: str) -> torch.device:
    """cpu | cuda | auto -> torch.device; InputError if cuda is asked for but absent."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError("device 'cuda' requested but torch sees no CUDA device")
    return torch.device(name)


def train_ensemble(
    v: np.ndarray,
    e: np.ndarray,
    *,
    components: int,
    runs: int,
    first_run: int = 0,
    seed: int,
    config: TrainConfig,
    mask: np.ndarray | None = None,
    filters: np.ndarray | None = None,
) -> EnsembleResult:
    """Optimise runs ``first_run .. first_run + runs - 1``; replica k seeded from (seed, k) alone.

    v: (N, O, n_visible), e: (N, O, n_env) float32 with O V-origins per configuration; the
    split is over configurations. mask: (n_visible,) bool, True where a filter weight is free.
    filters: fixed Λ, (F, n_visible) or (runs, F, n_visible): train only the critic and report
    I_Λ(H:E) of the given filter (fixed-Λ mode).
    """
    _check_inputs(v, e, components, runs, first_run, config, mask, filters)
    device = resolve_device(config.device)
    rows = components * coarse.filters_per_component(config.embedding, config.states)
    setup = _Setup(config, device, _mask_tensor(mask, device), rows, get_bound(config.bound), [])
    shared = np.random.default_rng(np.random.SeedSequence(seed))
    parts = _split(v, e, config, shared, device)
    state = _Replicas.create(setup, parts, seed, first_run, runs, components, filters)
    setup.trainable = state.trainable
    result = _empty_result(runs, rows, v.shape[2], config.epochs)
    result.v_centre = parts.centre.cpu().numpy()
    _optimise(setup, parts, state, shared, result)
    return result


def _mask_tensor(mask: np.ndarray | None, device: torch.device) -> torch.Tensor | None:
    return None if mask is None else torch.as_tensor(mask, dtype=torch.float32, device=device)


def _check_inputs(v, e, components, runs, first_run, config, mask, filters) -> None:
    if not isinstance(config, TrainConfig):
        raise InputError("config must be a TrainConfig")
    for name, a in (("v", v), ("e", e)):
        if not isinstance(a, np.ndarray) or a.ndim != 3:
            raise InputError(f"{name} must be an array (N, O, sites), got {np.shape(a)}")
        if not np.isfinite(a).all():
            raise InputError(f"{name} contains non-finite values")
    if v.shape[:2] != e.shape[:2]:
        raise InputError(f"v {v.shape} and e {e.shape} disagree on (N, O)")
    if components < 1 or runs < 1 or first_run < 0:
        raise InputError("components and runs must be >= 1 and first_run >= 0")
    smallest = min(_part_sizes(v.shape[0], config.split))
    if smallest < config.batch:
        raise InputError(
            f"{v.shape[0]} configurations split {config.split} leave a part of {smallest} "
            f"< batch {config.batch}"
        )
    if mask is not None and (np.shape(mask) != (v.shape[2],) or not np.any(mask)):
        raise InputError(f"mask must be ({v.shape[2]},) bool with a free weight")
    rows = components * coarse.filters_per_component(config.embedding, config.states)
    if filters is not None and np.shape(filters) not in (
        (rows, v.shape[2]),
        (runs, rows, v.shape[2]),
    ):
        raise InputError(
            f"filters must be ({rows}, {v.shape[2]}) or ({runs}, {rows}, {v.shape[2]})"
        )


def _part_sizes(n: int, split: tuple[float, float, float]) -> tuple[int, int, int]:
    """Numbers of configurations in the training, validation and test parts."""
    n_train, n_val = round(split[0] * n), round(split[1] * n)
    return n_train, n_val, n - n_train - n_val


def _split(v, e, config: TrainConfig, rng: np.random.Generator, device) -> _Parts:
    """Seeded split of the configurations (axis 0) into train / val / test (no data copy on
    the CPU when v and e are contiguous float32)."""
    order = rng.permutation(v.shape[0])
    n_train, n_val, _ = _part_sizes(v.shape[0], config.split)
    cuts = {"train": order[:n_train], "val": order[n_train : n_train + n_val]}
    cuts["test"] = order[n_train + n_val :]

    def put(a: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(np.ascontiguousarray(a, np.float32), device=device)

    rows = {p: torch.as_tensor(np.sort(i), device=device) for p, i in cuts.items()}
    v_all = put(v)
    centre = torch.zeros(v.shape[2], device=device)
    if config.centre:
        centre = v_all[rows["train"]].mean(dim=(0, 1))
    return _Parts(v_all - centre, put(e), rows, centre)


def _streams(seed: int, k: int) -> list[torch.Generator]:
    """Replica k's generators (initialisation, training noise, evaluation noise) from (seed, k)."""
    children = np.random.SeedSequence(seed, spawn_key=(k,)).spawn(3)
    return [torch.Generator().manual_seed(int(c.generate_state(1, np.uint64)[0])) for c in children]


@dataclass
class _Replicas:
    """The active replicas: parameters, Adam moments and best-validation copies (device)."""

    ids: np.ndarray  # positions in the result arrays
    params: dict[str, torch.Tensor]
    moments: dict[str, list[torch.Tensor]]
    best: dict[str, torch.Tensor]
    best_val: torch.Tensor
    best_epoch: np.ndarray
    smoothed: torch.Tensor
    noise_gens: list[torch.Generator]
    eval_noise: dict[str, torch.Tensor]  # part -> (R, O, n, F)
    trainable: list[str]
    grads: dict[str, torch.Tensor] = field(default_factory=dict)
    step: torch.Tensor = field(default_factory=lambda: torch.zeros(()))

    def __post_init__(self) -> None:
        self.grads = {n: torch.zeros_like(self.params[n]) for n in self.trainable}
        self.step = torch.zeros((), device=self.best_val.device)

    @property
    def critic_names(self) -> list[str]:
        return [n for n in self.trainable if n != FILTERS]

    @property
    def filter_names(self) -> list[str]:
        return [n for n in self.trainable if n == FILTERS]

    @classmethod
    def create(cls, setup, parts, seed, first_run, runs, components, filters) -> "_Replicas":
        c = setup.config
        n_h = coarse.h_width(components, c.embedding, c.states)
        own, per, gens, evals = [], [], [], []
        for i in range(runs):
            init, train_noise, eval_noise = _streams(seed, first_run + i)
            own.append(coarse.init_filters(init, setup.rows, parts.v.shape[2], setup.mask_cpu))
            p = critics.init_net(init, "v", n_h, c.critic)
            p.update(critics.init_net(init, "u", parts.e.shape[2], c.critic))
            per.append(p)
            gens.append(train_noise)
            evals.append({part: _eval_noise(eval_noise, parts, part, setup) for part in parts.rows})
        params = critics.stack_replicas(per)
        params[FILTERS] = _initial_filters(own, filters, setup)
        params = {k: t.to(setup.device) for k, t in params.items()}
        moments = {k: [torch.zeros_like(t), torch.zeros_like(t)] for k, t in params.items()}
        nan = torch.full((runs,), -math.inf, device=setup.device)
        return cls(
            ids=np.arange(runs),
            params=params,
            moments=moments,
            best={k: t.clone() for k, t in params.items()},
            best_val=nan,
            best_epoch=np.zeros(runs, np.int32),
            smoothed=torch.full((runs,), math.nan, device=setup.device),
            noise_gens=gens,
            eval_noise={
                p: torch.stack([ev[p] for ev in evals]).to(setup.device) for p in parts.rows
            },
            trainable=[n for n in params if filters is None or n != FILTERS],
        )

    def keep(self, sel: np.ndarray) -> None:
        """Drop the replicas where ``sel`` (R,) bool is False."""
        idx = torch.as_tensor(np.flatnonzero(sel), device=self.best_val.device)
        pick = lambda k, t: t.index_select(_axis(k), idx)  # noqa: E731
        self.ids = self.ids[sel]
        self.params = {k: pick(k, t) for k, t in self.params.items()}
        self.moments = {k: [pick(k, t) for t in m] for k, m in self.moments.items()}
        self.best = {k: pick(k, t) for k, t in self.best.items()}
        self.best_val, self.smoothed = self.best_val[idx], self.smoothed[idx]
        self.best_epoch = self.best_epoch[sel]
        self.noise_gens = [g for g, s in zip(self.noise_gens, sel, strict=True) if s]
        self.eval_noise = {p: t[idx] for p, t in self.eval_noise.items()}
        self.grads = {n: torch.zeros_like(self.params[n]) for n in self.trainable}


def _axis(name: str) -> int:
    return 0 if name == FILTERS else critics.replica_axis(name)


def _eval_noise(gen: torch.Generator, parts: _Parts, part: str, setup: _Setup) -> torch.Tensor:
    shape = (parts.origins, parts.size(part), setup.rows)
    return coarse.noise(gen, shape, setup.config.embedding, torch.device("cpu"))


def _initial_filters(own: list[torch.Tensor], filters, setup) -> torch.Tensor:
    """(R, F, n_visible): the replicas' random Λ, or the fixed ``filters`` (fixed-Λ mode)."""
    if filters is None:
        return torch.stack(own)
    f = torch.as_tensor(np.asarray(filters, np.float32))
    stacked = f.expand(len(own), *f.shape[-2:]).clone()
    return stacked if setup.mask is None else stacked * setup.mask_cpu


def _empty_result(runs: int, rows: int, n_visible: int, epochs: int) -> EnsembleResult:
    nan = np.full(runs, np.nan, np.float32)
    return EnsembleResult(
        filters=np.full((runs, rows, n_visible), np.nan, np.float32),
        rsmi=nan.copy(),
        rsmi_val=nan.copy(),
        rsmi_train=nan.copy(),
        best_epoch=np.full(runs, -1, np.int32),
        history=np.full((runs, epochs, 2), np.nan, np.float32),
        failed=np.zeros(runs, bool),
        failed_epoch=np.full(runs, -1, np.int32),
    )


def _bound_values(setup, params, v, e, eps, tau: float | None) -> torch.Tensor:
    """Bound per replica and minibatch.

    v: (B, K, n_visible) or (K, n_visible), e likewise, shared by all replicas; eps: noise
    (R, B·K, F) or (R, K, F); tau: relaxation (None: exactly discrete H).
    Returns (R, B) or (R,) in nats.
    """
    c = setup.config
    k = v.shape[-2]
    x = coarse.logits(params[FILTERS], v.reshape(-1, v.shape[-1]), setup.mask)
    if tau is None:
        h = coarse.discrete(x, eps, c.embedding, c.states)
    else:
        h = coarse.relaxed(x, eps, tau, c.embedding, c.states)
    vh = critics.embed_h(params, h)
    ue = critics.embed_e(params, e.reshape(-1, e.shape[-1]))
    r = vh.shape[0]
    s = critics.scores(vh.reshape(r, -1, k, vh.shape[-1]), ue.reshape(r, -1, k, ue.shape[-1]))
    out = setup.bound(s)
    return out if v.dim() == 3 else out[:, 0]


@torch.no_grad()
def _evaluate(
    setup, params, parts: _Parts, part: str, eps: torch.Tensor, limit: int | None = None
) -> torch.Tensor:
    """Mean bound over the full minibatches of K of ``part`` (its first ``limit``
    configurations when given) at all origins, with exactly discrete H.

    eps: (R, O, n, F) fixed evaluation noise. Returns (R,) nats.
    """
    k = setup.config.batch
    n_used = (min(parts.size(part), limit or parts.size(part)) // k) * k
    chunk = max(k, (EVAL_CHUNK // k) * k)
    total, count = 0.0, 0
    for o in range(parts.origins):
        for a in range(0, n_used, chunk):
            b = min(a + chunk, n_used)
            v, e = parts.take(part, slice(a, b), o)
            batches = (v.reshape(-1, k, v.shape[1]), e.reshape(-1, k, e.shape[1]))
            total = total + _bound_values(setup, params, *batches, eps[:, o, a:b], None).sum(-1)
            count += (b - a) // k
    return total / count


def _gradients(setup, state: "_Replicas", v, e, eps, tau: float) -> torch.Tensor:
    """Forward and hand-written backward of one training step (no autograd).

    v (K, n_visible), e (K, n_env) shared by all replicas; eps (R, K, F); tau: relaxation.
    Writes d(-bound)/d(parameter) into ``state.grads``; returns the bound (R,) in nats.
    """
    c = setup.config
    p, g = state.params, state.grads
    x = coarse.logits(p[FILTERS], v, setup.mask)
    h = coarse.relaxed(x, eps, tau, c.embedding, c.states)
    cache_v: list[torch.Tensor] = []
    cache_u: list[torch.Tensor] = []
    vh = critics.embed_h(p, h, cache_v)
    ue = critics.embed_e(p, e, cache_u)
    values, d_s = value_and_grad(c.bound, critics.scores(vh, ue), scale=-1.0)
    # (D, K) @ (K, K) products, transposed back: ~4x faster on CPU than (K, K) @ (K, D)
    d_vh = torch.bmm(ue.transpose(1, 2), d_s.transpose(1, 2)).transpose(1, 2)
    d_ue = torch.bmm(vh.transpose(1, 2), d_s).transpose(1, 2)
    d_h = critics.backward_h(p, cache_v, d_vh, g)
    critics.backward_e(p, cache_u, e, d_ue, g)
    if FILTERS in setup.trainable:
        d_x = coarse.relaxed_backward(h, d_h, tau, c.embedding, c.states)
        coarse.filters_backward(d_x, v, setup.mask, g[FILTERS])
    return values


def _adam_groups(setup, state: "_Replicas") -> list[tuple[list[list[torch.Tensor]], float]]:
    """Tensor lists (params, grads, first and second moments) and weight decay for the critic
    and for Λ; valid until the replica batch changes."""
    groups = []
    for names, decay in ((state.critic_names, setup.config.weight_decay), (state.filter_names, 0)):
        if names:
            lists = [[state.params[n] for n in names], [state.grads[n] for n in names]]
            lists += [[state.moments[n][i] for n in names] for i in (0, 1)]
            groups.append((lists, decay))
    return groups


def _adam_step(setup, groups, step: torch.Tensor) -> None:
    """One fused Adam update of (Λ, Θ); decoupled weight decay on the critic only."""
    for (params, grads, first, second), decay in groups:
        torch._fused_adamw_(
            params,
            grads,
            first,
            second,
            [],
            [step] * len(params),
            lr=setup.config.lr,
            beta1=0.9,
            beta2=0.999,
            weight_decay=decay,
            eps=1e-8,
            amsgrad=False,
            maximize=False,
        )


@torch.no_grad()
def _train_epoch(setup, parts, state: "_Replicas", shared, taus: list[float]) -> torch.Tensor:
    """One epoch of Algorithm 1 on shared reshuffled minibatches; returns (R,) mean bound.

    τ follows Eq. (B9) in the global step count len(taus) and changes at every step.
    """
    c = setup.config
    k = c.batch
    n = parts.size("train")
    steps = n // k
    order = torch.as_tensor(shared.permutation(n)[: steps * k], device=setup.device)
    pick = torch.as_tensor(shared.integers(parts.origins, size=steps * k), device=setup.device)
    flat = parts.flat("train", order, pick)
    cpu = torch.device("cpu")
    eps_all = torch.stack(
        [coarse.noise(g, (steps, k, setup.rows), c.embedding, cpu) for g in state.noise_gens], 1
    ).to(setup.device)
    total = torch.zeros(len(state.ids), device=setup.device)
    groups = _adam_groups(setup, state)
    annealing = c.annealing
    for s in range(steps):
        tau = annealing.tau(len(taus))
        taus.append(tau)
        window = slice(s * k, (s + 1) * k)
        v, e = parts.gather(flat[window])
        total += _gradients(setup, state, v, e, eps_all[s], tau)
        state.step += 1
        _adam_step(setup, groups, state.step)
    return total / steps


def _optimise(setup, parts, state: _Replicas, shared, result: EnsembleResult) -> None:
    c = setup.config
    taus: list[float] = []
    for epoch in range(c.epochs):
        train_est = _train_epoch(setup, parts, state, shared, taus)
        val = _evaluate(setup, state.params, parts, "val", state.eval_noise["val"])
        result.history[state.ids, epoch, 0] = train_est.cpu().numpy()
        result.history[state.ids, epoch, 1] = val.cpu().numpy()
        stop = _update_best(setup, state, train_est, val, epoch, result)
        if epoch == c.epochs - 1:
            stop[:] = True
        if stop.any():
            _finalise(setup, parts, state, stop, result)
            state.keep(~stop)
        if len(state.ids) == 0:
            break
    result.tau = np.asarray(taus, np.float32)


def _update_best(setup, state: _Replicas, train_est, val, epoch: int, result) -> np.ndarray:
    """Track best-validation parameters; returns (R,) bool: replicas that stop now."""
    c = setup.config
    finite = (torch.isfinite(train_est) & torch.isfinite(val)).cpu().numpy()
    failed = ~finite
    result.failed[state.ids[failed]] = True
    result.failed_epoch[state.ids[failed]] = epoch
    improved = (val > state.best_val) & torch.isfinite(val)
    for name, t in state.params.items():
        shape = [1] * t.dim()
        shape[_axis(name)] = -1
        state.best[name] = torch.where(improved.view(shape), t, state.best[name])
    state.best_val = torch.where(improved, val, state.best_val)
    improved_np = improved.cpu().numpy()
    state.best_epoch[improved_np] = epoch
    stop = failed.copy()
    if c.patience > 0:
        stop |= epoch - state.best_epoch >= c.patience
    if c.halt_delta is not None:
        previous = state.smoothed
        state.smoothed = torch.where(
            torch.isnan(previous), val, c.halt_alpha * val + (1 - c.halt_alpha) * previous
        )
        halted = (state.smoothed - previous <= c.halt_delta).cpu().numpy()
        stop |= halted
    return stop


def _select(params: dict[str, torch.Tensor], idx: torch.Tensor) -> dict[str, torch.Tensor]:
    return {k: t.index_select(_axis(k), idx) for k, t in params.items()}


def _finalise(setup, parts, state: _Replicas, stop: np.ndarray, result: EnsembleResult) -> None:
    """Record the stopping replicas: best filters, validation, training and test estimates."""
    idx = torch.as_tensor(np.flatnonzero(stop), device=setup.device)
    ids = state.ids[stop]
    best = _select(state.best, idx)
    noise = {p: t[idx] for p, t in state.eval_noise.items()}
    best_val = state.best_val[idx]
    if setup.config.lbfgs_steps > 0 and FILTERS in setup.trainable:
        best, best_val = _refine(setup, parts, best, noise, best_val)
    filters = best[FILTERS] if setup.mask is None else best[FILTERS] * setup.mask
    result.filters[ids] = filters.cpu().numpy()
    result.best_epoch[ids] = state.best_epoch[stop]
    ok = ~result.failed[ids]
    result.rsmi_val[ids[ok]] = best_val.cpu().numpy()[ok]
    test = _evaluate(setup, best, parts, "test", noise["test"]).cpu().numpy()
    # the training part's estimate on as many configurations as the test part: same noise level
    train = _evaluate(setup, best, parts, "train", noise["train"], parts.size("test"))
    train = train.cpu().numpy()
    result.rsmi[ids[ok]] = test[ok]
    result.rsmi_train[ids[ok]] = train[ok]


def _refine(setup, parts, best, noise, best_val):
    """L-BFGS on each replica's Λ with its critic frozen, Eq. (B12); kept if validation holds."""
    refined = {k: t.clone() for k, t in best.items()}
    for i in range(best_val.shape[0]):
        one = _select(best, torch.tensor([i], device=setup.device))
        one[FILTERS] = _lbfgs_filters(setup, parts, one, noise["train"][i : i + 1])
        for k in refined:
            refined[k].select(_axis(k), i).copy_(one[k].select(_axis(k), 0))
    val = _evaluate(setup, refined, parts, "val", noise["val"])
    better = val >= best_val
    out = {}
    for k, t in refined.items():
        shape = [1] * t.dim()
        shape[_axis(k)] = -1
        out[k] = torch.where(better.view(shape), t, best[k])
    return out, torch.where(better, val, best_val)


def _lbfgs_filters(setup, parts, one, eps) -> torch.Tensor:
    """Refine one replica's Λ (1, F, n_visible) by L-BFGS on the training part at τ_min."""
    c = setup.config
    k = c.batch
    n_used = (parts.size("train") // k) * k
    data = [parts.take("train", slice(0, n_used), o) for o in range(parts.origins)]
    with torch.no_grad():
        ue = [critics.embed_e(one, e) for _, e in data]
    filt = one[FILTERS].clone().requires_grad_(True)
    opt = torch.optim.LBFGS([filt], max_iter=c.lbfgs_steps, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = 0.0
        for o, (v, _) in enumerate(data):
            x = coarse.logits(filt, v, setup.mask)
            h = coarse.relaxed(x, eps[:, o, :n_used], c.tau_min, c.embedding, c.states)
            vh = critics.embed_h(one, h).reshape(1, -1, k, c.embed)
            s = critics.scores(vh, ue[o].reshape(1, -1, k, c.embed))
            loss = loss - setup.bound(s).mean()
        loss.backward()
        return loss

    opt.step(closure)
    return filt.detach()
