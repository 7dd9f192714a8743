"""Exact RSMI of the chipping chain at w = 0, where it is a zero-range process.

At w = 0 the steady state is uniform on the configurations of fixed total mass N
(:mod:`rsmine.models.chipping`). A block of s sites then holds mass a with weight
C(a + s − 1, s − 1), the number of ways to spread a over s sites, so the masses
(M_V, M_B, M_E) of the visible block (lv sites), the two buffer halves (2·lb
sites) and the environment (the rest of the ring, L − lv − 2·lb sites) have

    P(a, b) ∝ C(a + lv − 1, lv − 1) · C(b + 2lb − 1, 2lb − 1) · C(N − a − b + n_E − 1, n_E − 1).

With E the whole rest of the ring, E's configuration tells the RSMI only its total
mass M_E = N − M_V − M_B (the uniform measure spreads it over E's sites
independently of V), so I(H : E) = I(H : M_V + M_B) for any coarse variable H of
M_V: the RSMI of the paper's Fig. 12b at w = 0 is set by mass conservation alone.

With a thin environment (a shell of ``le`` sites on each side of the buffer, the rest R of
the ring unseen) the same argument gives I(H : E) = I(H : M_E), with M_R taking up the
rest of the mass: P(a, c) ∝ C_V(a) · C_E(c) · Σ_b C_B(b) · C_R(N − a − b − c).
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln, logsumexp

from rsmine.errors import InputError


def _log_compositions(mass: np.ndarray, sites: int) -> np.ndarray:
    """log C(mass + sites − 1, sites − 1): ways to spread ``mass`` over ``sites`` sites."""
    return gammaln(mass + sites) - gammaln(mass + 1) - gammaln(sites)


def block_masses(L: int, total: int, lv: int, lb: int) -> np.ndarray:
    """Joint distribution (N+1, N+1) of (M_V, M_B) at w = 0; entry [a, b], zero where a + b > N."""
    n_env = L - lv - 2 * lb
    if lv < 1 or lb < 1 or n_env < 1 or total < 0:
        raise InputError(
            f"zero_range: need lv >= 1, lb >= 1 and L - lv - 2 lb >= 1 sites of E, total >= 0; "
            f"got L {L}, lv {lv}, lb {lb}, total {total}"
        )
    a = np.arange(total + 1)[:, None]
    b = np.arange(total + 1)[None, :]
    rest = total - a - b
    fits = rest >= 0
    log_p = (
        _log_compositions(a, lv)
        + _log_compositions(b, 2 * lb)
        + _log_compositions(np.where(fits, rest, 0), n_env)
    )
    p = np.where(fits, np.exp(log_p - log_p[fits].max()), 0.0)
    return p / p.sum()


def _mutual_information(joint: np.ndarray) -> float:
    """I(X : Y) in nats of a joint distribution table (x, y)."""
    px = joint.sum(axis=1, keepdims=True)
    py = joint.sum(axis=0, keepdims=True)
    nz = joint > 0
    return float(np.sum(joint[nz] * np.log(joint[nz] / (px * py)[nz])))


def _environment_mass(L: int, total: int, lv: int, lb: int, le: int) -> np.ndarray:
    """Joint distribution (N+1, N+1) of (M_V, M_E) at w = 0 with a thin environment of 2·le
    sites and the rest R of the ring (L − lv − 2lb − 2le ≥ 1 sites) unseen."""
    n_rest = L - lv - 2 * lb - 2 * le
    if lv < 1 or lb < 1 or le < 1 or n_rest < 1 or total < 0:
        raise InputError(
            f"zero_range: a thin environment needs lv, lb, le >= 1 and L - lv - 2 lb - 2 le "
            f">= 1 unseen sites, total >= 0; got L {L}, lv {lv}, lb {lb}, le {le}, total {total}"
        )
    m = np.arange(total + 1)
    # log Σ_b C_B(b) C_R(s − b) for every mass s = 0..N held by buffer and rest together
    pair = _log_compositions(m[None, :], 2 * lb) + _log_compositions(
        np.clip(m[:, None] - m[None, :], 0, None), n_rest
    )
    shared = logsumexp(np.where(m[None, :] <= m[:, None], pair, -np.inf), axis=1)
    rest = total - m[:, None] - m[None, :]
    fits = rest >= 0
    log_p = (
        _log_compositions(m[:, None], lv)
        + _log_compositions(m[None, :], 2 * le)
        + shared[np.where(fits, rest, 0)]
    )
    p = np.where(fits, np.exp(log_p - log_p[fits].max()), 0.0)
    return p / p.sum()


def exact_rsmi(L: int, total: int, lv: int, lb: int, binary: bool, le: int | None = None) -> float:
    """I(H : E) in nats at w = 0; E the rest of the ring (``le`` None) or a thin shell of
    ``le`` sites on each side of the buffer (the rest of the ring unseen).

    H = M_V (continuous block mass) or, with ``binary``, [M_V > ⟨M_V⟩] (the block
    mass thresholded at its mean, the hard binary coarse variable).
    """
    n = total + 1
    if le is None:
        joint = block_masses(L, total, lv, lb)
        by_env = np.zeros((n, n))  # (M_V, M_V + M_B), the mass E leaves to V and B
        for a in range(n):
            by_env[a, a:] = joint[a, : n - a]
    else:
        by_env = _environment_mass(L, total, lv, lb, le)  # (M_V, M_E)
    if binary:
        mean = float(np.arange(n) @ by_env.sum(axis=1))
        above = np.arange(n) > mean
        by_env = np.stack([by_env[~above].sum(axis=0), by_env[above].sum(axis=0)])
    return _mutual_information(by_env)
