"""The coarse-grainer h = τ(Λ·v): linear filters Λ and the embedding τ (paper Sec. II C, App. B 1).

Λ holds ``components`` linear filters over the visible block V (``states`` filters per
component for the q-state categorical embedding), batched over R replicas:
``filters`` (R, C·S, n_visible) with S = 1 for the binary and continuous embeddings
and S = q for the categorical one. Weights outside ``mask`` are fixed at zero.

τ is one of
- ``binary``: relaxed Bernoulli (two-state Gumbel-softmax) spin h = tanh((x + L) / 2τ_t) with
  logistic noise L, x = Λ·v; exactly discrete h = sign(x + L) ~ Bernoulli(σ(x)) for evaluation;
- ``categorical``: q-state Gumbel-softmax over the q logits of each component, one-hot exact;
- ``continuous``: h = Λ·v, no discretisation (Sec. III D 1).
The relaxation parameter follows Eq. (B9), τ_t = max(τ_min, τ_max·exp(-r·t)), t the step.
"""

import math
from dataclasses import dataclass

import torch

from rsmine.errors import InputError

EMBEDDINGS = ("binary", "categorical", "continuous")


@dataclass(frozen=True)
class Annealing:
    """Exponential Gumbel-softmax annealing, Eq. (B9); the defaults are TrainConfig's
    (tau_max, tau_min, anneal_rate: Table I, 2D Ising)."""

    tau_max: float
    tau_min: float
    rate: float

    def tau(self, step: int) -> float:
        """τ_t = max(τ_min, τ_max·exp(-rate·t)) at optimisation step t (0-based)."""
        return max(self.tau_min, self.tau_max * math.exp(-self.rate * step))


def check_embedding(embedding: str, states: int) -> None:
    """Raise InputError unless ``embedding`` is known and ``states`` fits it."""
    if embedding not in EMBEDDINGS:
        raise InputError(f"embedding {embedding!r} is not one of {', '.join(EMBEDDINGS)}")
    if embedding == "categorical" and states < 2:
        raise InputError(f"states must be >= 2 for the categorical embedding, got {states}")


def filters_per_component(embedding: str, states: int) -> int:
    """S: number of filters per component (q for categorical, else 1)."""
    return states if embedding == "categorical" else 1


def h_width(components: int, embedding: str, states: int) -> int:
    """Width of h fed to the critic: C·q for categorical (one-hot), else C."""
    return components * filters_per_component(embedding, states)


def init_filters(
    generator: torch.Generator, rows: int, n_visible: int, mask: torch.Tensor | None
) -> torch.Tensor:
    """Random Λ of one replica: (rows, n_visible) ~ U(±1/sqrt(n_free)), zero off ``mask``."""
    n_free = int(mask.sum()) if mask is not None else n_visible
    bound = 1.0 / math.sqrt(max(n_free, 1))
    w = (torch.rand(rows, n_visible, generator=generator) * 2.0 - 1.0) * bound
    return w if mask is None else w * mask


def logits(filters: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """x = Λ·v for a minibatch shared by all replicas.

    filters: (R, F, n_visible); v: (K, n_visible) shared, or (R, K, n_visible). Returns (R, K, F).
    A broadcast product and sum rather than a matrix product: its rounding does not depend on R,
    so a replica computes the same x alone or in a batch (the products are tiny).
    """
    w = filters if mask is None else filters * mask
    return (v.unsqueeze(-2) * w.unsqueeze(-3)).sum(-1)


def noise(
    generator: torch.Generator, shape: tuple[int, ...], embedding: str, device: torch.device
) -> torch.Tensor:
    """Reparametrisation noise of the given shape from one replica's generator.

    binary: logistic L = log u - log(1 - u); categorical: Gumbel g = -log(-log u);
    continuous: zeros (no noise). Returns float32 ``shape``.
    """
    if embedding == "continuous":
        return torch.zeros(shape, device=device)
    u = torch.rand(shape, generator=generator).clamp_(1e-7, 1.0 - 1e-7).to(device)
    if embedding == "binary":
        return u.log() - (-u).log1p()
    return -(-u.log()).log()


def relaxed(
    x: torch.Tensor, eps: torch.Tensor, tau: float, embedding: str, states: int = 2
) -> torch.Tensor:
    """Differentiable pseudo-discrete h at relaxation τ.

    x, eps: (R, K, F) logits and matching noise. Returns (R, K, h_width): spins in (-1, 1),
    flattened softmax vectors over each component's q states (categorical, F = C·q),
    or x itself (continuous).
    """
    if embedding == "binary":
        return torch.tanh((x + eps) * (0.5 / tau))
    if embedding == "categorical":
        return _by_component(x + eps, states).div(tau).softmax(-1).flatten(-2)
    return x


def relaxed_backward(
    h: torch.Tensor, d_h: torch.Tensor, tau: float, embedding: str, states: int = 2
) -> torch.Tensor:
    """Gradient w.r.t. the logits x from the gradient w.r.t. h = relaxed(x, eps, tau).

    h, d_h: (R, K, h_width). Returns d_x (R, K, F).
    """
    if embedding == "binary":
        return torch.ops.aten.tanh_backward(d_h, h).mul_(0.5 / tau)
    if embedding == "categorical":
        p, g = _by_component(h, states), _by_component(d_h, states)
        return (p * (g - (g * p).sum(-1, keepdim=True)) / tau).flatten(-2)
    return d_h


def filters_backward(
    d_x: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None, out: torch.Tensor
) -> None:
    """Gradient w.r.t. Λ of x = logits(Λ, v) for shared v (K, n_visible), written to ``out``.

    d_x: (R, K, F); out: (R, F, n_visible) contiguous, zero off ``mask``; rounding independent
    of R as in :func:`logits`.
    """
    torch.sum(d_x.unsqueeze(-1) * v.unsqueeze(-2), dim=1, out=out)
    if mask is not None:
        out.mul_(mask)


def discrete(x: torch.Tensor, eps: torch.Tensor, embedding: str, states: int = 2) -> torch.Tensor:
    """Exactly discrete h (hard sign / Gumbel-max), for evaluation only.

    x, eps: (R, K, F). Returns (R, K, h_width): spins ±1, one-hot vectors, or x (continuous).
    """
    if embedding == "binary":
        return torch.where(x + eps >= 0, 1.0, -1.0)
    if embedding == "categorical":
        winner = _by_component(x + eps, states).argmax(-1)
        return torch.nn.functional.one_hot(winner, states).to(x.dtype).flatten(-2)
    return x


def hard(x: torch.Tensor, embedding: str, states: int = 2) -> torch.Tensor:
    """The deterministic H of logits x (R, K, F): the most probable value of :func:`discrete`.

    Binary sign(x) (+1 at 0), categorical the one-hot arg-max, continuous x. The H that the
    reported RSMI is scored on and that ``rsmine coarse-grain`` writes. Returns (R, K, h_width).
    """
    return discrete(x, torch.zeros_like(x), embedding, states)


def values(components: int, embedding: str, states: int = 2) -> torch.Tensor:
    """Every value of a discrete H: (M, h_width) with M = 2^C (binary) or q^C (categorical),
    value m's component c in state (m // base^c) % base (binary: state 1 is h = +1)."""
    base = states if embedding == "categorical" else 2
    m = torch.arange(base**components)
    digits = (m[:, None] // base ** torch.arange(components)) % base
    if embedding == "binary":
        return (2.0 * digits - 1.0).float()
    return torch.nn.functional.one_hot(digits, base).float().flatten(-2)


def value_index(h: torch.Tensor, embedding: str, states: int = 2) -> torch.Tensor:
    """Row of :func:`values` of each discrete h (..., h_width) -> (...,) int64."""
    if embedding == "binary":
        digits, base = (h > 0).long(), 2
    else:
        digits, base = _by_component(h, states).argmax(-1), states
    return (digits * base ** torch.arange(digits.shape[-1], device=h.device)).sum(-1)


def _by_component(y: torch.Tensor, states: int) -> torch.Tensor:
    """(R, K, C·q) -> (R, K, C, q)."""
    return y.unflatten(-1, (y.shape[-1] // states, states))
