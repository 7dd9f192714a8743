"""Scattering tables of the directed-loop (worm) update, one per local environment.

At the worm's head (pivot) p, the four channels b ∈ (RIGHT, LEFT, DOWN, UP) are
the bonds where the next dimer can go. Putting a dimer on b gains the weight
w_b = exp(N_b / T), N_b ∈ {0, 1, 2} the number of plaquettes through b whose
opposite bond already holds a dimer (App. C, Eq. C1). The 3⁴ = 81 tuples
(N_R, N_L, N_D, N_U) are the environments, indexed e = N_R + 3 N_L + 9 N_D + 27 N_U.

A scattering matrix p[in, out] (rows sum to 1) satisfies the directed-loop
equations (detailed balance) when a = w[:, None] * p is symmetric. Two kinds:

- ``minimal-bounce``: by linear programming (scipy's HiGHS) in two stages.
  Stage 1 minimises the total bounce Σ_i a_ii; its optimum is
  max(0, w_max - Σ_others), all of it on the heaviest channel. Stage 2 keeps
  that bounce and picks, among the remaining solutions, the one closest to
  heat bath in the max-norm of a, which makes the choice unique where stage 1
  is degenerate (at T = ∞ every turn gets 1/3).
- ``heat-bath``: p[in, out] = w_out / Σ w.

Weights depend only on the multiset of N_b, so each of the 15 multisets is
solved once (channels sorted by weight) and permuted to its 81 environments,
averaged over permutations of tied channels: the tables are symmetric under
permutations of channels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from itertools import permutations, product
from typing import Any

import numpy as np
from scipy.optimize import linprog

KINDS = ("minimal-bounce", "heat-bath")
N_ENVIRONMENTS = 81
_SINKHORN_ITERATIONS = 200
_PAIRS = [(i, k) for i in range(4) for k in range(i, 4)]  # the 10 entries a_ik, i <= k


@dataclass(frozen=True)
class ScatteringTables:
    """Scattering tables for one temperature.

    prob: (81, 4, 4) float64, prob[e, in, out]; cum: its cumulative sum over out
    (last entry exactly 1), what the worm kernel samples from; weights: (81, 4)
    channel weights normalised to a maximum of 1 per environment.
    """

    kind: str
    T: float
    prob: np.ndarray
    cum: np.ndarray
    weights: np.ndarray

    def info(self) -> dict[str, Any]:
        """A JSON-able summary for store attrs."""
        bounce = np.einsum("eii->ei", self.prob)
        return {
            "kind": self.kind,
            "environments": N_ENVIRONMENTS,
            "solver": "scipy.optimize.linprog (HiGHS), stage 1 min total bounce, "
            "stage 2 min max-norm distance to heat bath"
            if self.kind == "minimal-bounce"
            else "analytic heat bath",
            "max_bounce": float(bounce.max()),
            "mean_bounce": float(bounce.mean()),
        }


def environments() -> np.ndarray:
    """N_b of every environment: (81, 4) int64, row e = (N_R, N_L, N_D, N_U)."""
    rows = [(r, left, d, u) for u, d, left, r in product(range(3), repeat=4)]
    return np.array(rows, dtype=np.int64)


def channel_weights(T: float) -> np.ndarray:
    """Weights exp((N_b - max N) / T) per environment: (81, 4) float64, maximum 1 per row."""
    counts = environments()
    excess = counts - counts.max(axis=1, keepdims=True)
    if math.isinf(T):
        return np.ones(counts.shape)
    return np.exp(excess / T)


def heat_bath(w: np.ndarray) -> np.ndarray:
    """Heat-bath scattering matrix (4, 4) for channel weights w (4,): p[in, out] = w_out / Σ w."""
    return np.tile(w / w.sum(), (len(w), 1))


def minimal_bounce_floor(w: np.ndarray) -> np.ndarray:
    """The analytic minimal bounce probabilities (4,) for weights w (4,).

    Only the heaviest channel bounces, with max(0, w_max - Σ others) / w_max.
    """
    top = int(np.argmax(w))
    floor = np.zeros(len(w))
    floor[top] = max(0.0, w[top] - (w.sum() - w[top])) / w[top]
    return floor


def _row_sums() -> np.ndarray:
    """(4, 10): Σ_k a_ik of row i in terms of the 10 upper-triangle entries a_ik, i <= k."""
    a = np.zeros((4, len(_PAIRS)))
    for col, (i, k) in enumerate(_PAIRS):
        a[i, col] = a[k, col] = 1.0
    return a


def _solve(cost: np.ndarray, a_ub, b_ub, a_eq: np.ndarray, b_eq: np.ndarray, bounds) -> np.ndarray:
    """One LP by HiGHS (tight tolerances: the weights of low T are small)."""
    res = linprog(
        cost,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=bounds,
        method="highs",
        options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10},
    )
    if res.status != 0:
        raise RuntimeError(f"directed-loop LP failed: {res.message}")
    return res.x


def _least_bounce(w: np.ndarray) -> np.ndarray:
    """Stage 1: the 10 entries a_ik (i <= k) minimising Σ_i a_ii subject to Σ_k a_ik = w_i."""
    diag = np.array([float(i == k) for i, k in _PAIRS])
    return _solve(diag, None, None, _row_sums(), w, [(0, None)] * len(_PAIRS))


def _closest_to_heat_bath(w: np.ndarray, bounce: np.ndarray) -> np.ndarray:
    """Stage 2: a_ik (i <= k), a_ii <= stage 1's, minimising max_{i<k} |a_ik - w_i w_k / Σw|.

    LP variables (a_ik..., t) with t the max-norm distance; returns the 10 entries a_ik.
    """
    n_var = len(_PAIRS) + 1
    rows, rhs = [], []
    for col, (i, k) in enumerate(_PAIRS):
        if i == k:
            continue
        target = w[i] * w[k] / w.sum()
        for sign in (1.0, -1.0):
            row = np.zeros(n_var)
            row[col], row[-1] = sign, -1.0
            rows.append(row)
            rhs.append(sign * target)
    cost = np.zeros(n_var)
    cost[-1] = 1.0
    a_eq = np.hstack([_row_sums(), np.zeros((4, 1))])
    bounds = [(0, b if i == k else None) for b, (i, k) in zip(bounce, _PAIRS, strict=True)]
    return _solve(cost, np.array(rows), np.array(rhs), a_eq, w, [*bounds, (0, None)])[:-1]


@cache
def _minimal_bounce_sorted(w: tuple[float, ...]) -> np.ndarray:
    """Minimal-bounce scattering matrix (4, 4) for weights w sorted in decreasing order."""
    weights = np.array(w)
    p = _polish(_closest_to_heat_bath(weights, _least_bounce(weights)), weights)
    return _symmetrise(p, weights)


def _symmetrise(p: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Average p (4, 4) over the permutations of channels with equal weight.

    Where weights tie the LP optimum is not unique; the average of the permuted
    optima is still optimal, detailed-balanced and normalised, and treats tied
    channels alike.
    """
    ties = [g for g in permutations(range(4)) if np.array_equal(w[list(g)], w)]
    return np.mean([p[np.ix_(g, g)] for g in ties], axis=0)


def _polish(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """p = a / w from the LP's upper triangle of a, rescaled to exact row sums w.

    The LP meets its constraints to an absolute tolerance, which is large next to
    the tiny weights of low T. A symmetric scaling a -> D a D (symmetric
    Sinkhorn) restores the row sums w exactly while keeping a symmetric and its
    zeros (and so the minimal bounce) in place.
    """
    a = np.zeros((4, 4))
    for value, (i, k) in zip(np.clip(x, 0.0, None), _PAIRS, strict=True):
        a[i, k] = a[k, i] = value
    d = np.ones(4)
    for _ in range(_SINKHORN_ITERATIONS):
        d = np.sqrt(d * w / (a @ d))
    a = d[:, None] * a * d[None, :]
    if not np.allclose(a.sum(axis=1), w, rtol=1e-13, atol=0.0):
        raise RuntimeError(f"directed-loop LP solution cannot be scaled to weights {w}")
    return a / a.sum(axis=1, keepdims=True)


def minimal_bounce(w: np.ndarray) -> np.ndarray:
    """Minimal-bounce scattering matrix (4, 4) p[in, out] for channel weights w (4,)."""
    order = np.argsort(-w, kind="stable")
    sorted_p = _minimal_bounce_sorted(tuple(float(x) for x in w[order]))
    p = np.empty((4, 4))
    p[np.ix_(order, order)] = sorted_p
    return p


def scattering_tables(T: float, kind: str = "minimal-bounce") -> ScatteringTables:
    """The 81 scattering matrices at temperature T (> 0 or inf) of the given kind."""
    if kind not in KINDS:
        raise ValueError(f"tables kind must be one of {KINDS}, got {kind!r}")
    weights = channel_weights(T)
    solve = minimal_bounce if kind == "minimal-bounce" else heat_bath
    prob = np.stack([solve(w) for w in weights])
    cum = np.cumsum(prob, axis=2)
    cum[:, :, -1] = 1.0
    return ScatteringTables(kind, float(T), prob, cum, weights)
