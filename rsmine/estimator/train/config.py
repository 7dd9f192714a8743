"""The training options: :class:`TrainConfig`, their validation, and the device they name."""

from dataclasses import dataclass

import torch

from rsmine.errors import InputError
from rsmine.estimator import coarse, critics
from rsmine.estimator.bounds import get_bound

DEVICES = ("cpu", "cuda", "auto")


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
    if c.device not in DEVICES:
        raise InputError(f"device must be cpu, cuda or auto, got {c.device!r}")
    get_bound(c.bound)
    coarse.check_embedding(c.embedding, c.states)


def resolve_device(name: str) -> torch.device:
    """cpu | cuda | auto -> torch.device; InputError if cuda is asked for but absent."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError("device 'cuda' requested but torch sees no CUDA device")
    return torch.device(name)
