"""Variational lower bounds on mutual information from a critic's score matrix, in nats.

Every bound takes ``scores`` of shape (..., K, K) with ``scores[..., i, j] = f(h_i, e_j)``:
the K jointly drawn pairs sit on the diagonal, the K(K-1) off-diagonal entries pair
independently drawn samples (Poole et al. 2019; paper Sec. II B and App. A).
A leading ``...`` axis serves one run or a batch of replicas.
"""

import math
from collections.abc import Callable

import torch

from rsmine.errors import InputError

# Probabilities below exp(LOG_TINY) ~ 2e-35 are rounded up to it in analytic gradients: float32
# denormals would otherwise slow exp() down a hundredfold on CPUs.
LOG_TINY = -80.0


def _diagonal_mean(scores: torch.Tensor) -> torch.Tensor:
    """Mean critic value on the joint pairs: (..., K, K) -> (...,)."""
    return scores.diagonal(dim1=-2, dim2=-1).mean(-1)


def _off_diagonal_logmeanexp(scores: torch.Tensor) -> torch.Tensor:
    """log of the mean of exp(f) over the K(K-1) independent pairs: (..., K, K) -> (...,)."""
    k = scores.shape[-1]
    joint = torch.eye(k, dtype=torch.bool, device=scores.device)
    off = scores.masked_fill(joint, -math.inf).flatten(-2)
    return off.logsumexp(-1) - math.log(k * (k - 1))


def infonce(scores: torch.Tensor) -> torch.Tensor:
    """InfoNCE bound, Eq. (10): never above log K; exactly 0 for a constant critic.

    scores: (..., K, K). Returns (...,) in nats.
    """
    k = scores.shape[-1]
    return _diagonal_mean(scores) - scores.logsumexp(-1).mean(-1) + math.log(k)


def tuba(scores: torch.Tensor, log_baseline: float = 0.0) -> torch.Tensor:
    """TUBA bound, Eq. (A5), with a constant baseline a = exp(log_baseline).

    E_joint[f] - E_indep[exp(f) / a] - log a + 1. scores: (..., K, K). Returns (...,) in nats.
    """
    marginal = (_off_diagonal_logmeanexp(scores) - log_baseline).exp()
    return _diagonal_mean(scores) - marginal - log_baseline + 1.0


def nwj(scores: torch.Tensor) -> torch.Tensor:
    """NWJ bound, Eq. (6): TUBA with baseline a = e. scores: (..., K, K). Returns (...,) nats."""
    return tuba(scores, log_baseline=1.0)


def dv(scores: torch.Tensor) -> torch.Tensor:
    """Donsker-Varadhan bound: E_joint[f] - log E_indep[exp f].

    scores: (..., K, K). Returns (...,) in nats (biased for finite K, like MINE).
    """
    return _diagonal_mean(scores) - _off_diagonal_logmeanexp(scores)


def _off_diagonal_softmax(scores: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """log mean exp over the off-diagonal pairs (...,) and softmax over them (..., K, K).

    The softmax is 0 on the diagonal and sums to 1 over the K(K-1) independent pairs.
    """
    k = scores.shape[-1]
    joint = torch.eye(k, dtype=torch.bool, device=scores.device)
    off = scores.masked_fill(joint, -math.inf)
    lse = off.flatten(-2).logsumexp(-1)
    return lse - math.log(k * (k - 1)), (off - lse[..., None, None]).clamp_(min=LOG_TINY).exp_()


def value_and_grad(
    name: str, scores: torch.Tensor, scale: float = 1.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Bound ``name`` and ``scale`` times its analytic gradient w.r.t. the scores (no autograd).

    scores: (..., K, K). Returns values (...,) in nats and scale·d value / d scores
    (..., K, K); scale = -1 gives the gradient of the loss -value.
    """
    k = scores.shape[-1]
    if name == "infonce":
        log_p = scores.log_softmax(-1)
        values = log_p.diagonal(dim1=-2, dim2=-1).mean(-1) + math.log(k)
        grad = log_p.clamp_(min=LOG_TINY).exp_().mul_(-scale / k)
        grad.diagonal(dim1=-2, dim2=-1).add_(scale / k)
        return values, grad
    lme, p = _off_diagonal_softmax(scores)
    if name == "dv":
        values, weight = _diagonal_mean(scores) - lme, torch.ones_like(lme)
    else:
        log_baseline = 1.0 if name == "nwj" else 0.0
        weight = (lme - log_baseline).exp()
        values = _diagonal_mean(scores) - weight - log_baseline + 1.0
    grad = p.mul_((-scale) * weight[..., None, None])
    grad.diagonal(dim1=-2, dim2=-1).add_(scale / k)
    return values, grad


def row_terms(name: str, diagonal: torch.Tensor, row_lse: torch.Tensor, k: int) -> torch.Tensor:
    """Per-row terms of bound ``name`` over a (K, K) score matrix given by its rows' summaries.

    diagonal: (..., K) the joint scores f(h_i, e_i); row_lse: (..., K) logsumexp_j f(h_i, e_j)
    over the whole row (diagonal included); k = K. Returns (..., K) nats whose mean over the
    last axis is the bound of the full matrix (dv: the diagonal minus the shared log-mean-exp
    of the independent pairs). Lets a large K be scored in row blocks without the matrix.
    """
    if name == "infonce":
        return diagonal - row_lse + math.log(k)
    # log sum over j != i of exp f(h_i, e_j): the row without its diagonal entry
    gap = (diagonal - row_lse).clamp(max=-1e-7)
    off = row_lse + torch.log(-torch.expm1(gap))
    lme = off - math.log(k - 1)
    if name == "dv":
        return diagonal - (lme.logsumexp(-1, keepdim=True) - math.log(k))
    log_baseline = 1.0 if name == "nwj" else 0.0
    return diagonal - (lme - log_baseline).exp() - log_baseline + 1.0


BOUNDS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "infonce": infonce,
    "nwj": nwj,
    "tuba": tuba,
    "dv": dv,
}


def get_bound(name: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """The bound called ``name``; raises InputError naming the accepted ones."""
    if name not in BOUNDS:
        raise InputError(f"bound {name!r} is not one of {', '.join(BOUNDS)}")
    return BOUNDS[name]
