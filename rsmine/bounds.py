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
