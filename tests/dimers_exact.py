"""Exact enumeration of dimer coverings of small tori, for the dimer tests.

Backtracking (numba): the first empty vertex is paired with each empty
neighbour in turn, so every covering is produced exactly once. The 4×4 torus
has 272 coverings, the 6×6 torus 90 176.
"""

from __future__ import annotations

import numba
import numpy as np

from rsmine.models.dimers import lattice


@numba.njit(cache=True)
def _enumerate(nbr: np.ndarray, out: np.ndarray) -> int:
    """Write every covering's partner directions into out (max, N); return how many."""
    n_vertices = nbr.shape[0]
    dirs = np.full(n_vertices, -1, dtype=np.int8)
    vertex = np.zeros(n_vertices, dtype=np.int64)
    next_dir = np.zeros(n_vertices, dtype=np.int64)
    placed = np.full(n_vertices, -1, dtype=np.int64)
    level, count = 0, 0
    while level >= 0:
        v = vertex[level]
        if placed[level] >= 0:
            dirs[v] = -1
            dirs[nbr[v, placed[level]]] = -1
            placed[level] = -1
        d = next_dir[level]
        while d < 4 and dirs[nbr[v, d]] != -1:
            d += 1
        if d == 4:
            level -= 1
            continue
        next_dir[level] = d + 1
        placed[level] = d
        dirs[v] = d
        dirs[nbr[v, d]] = d ^ 1
        w = v + 1
        while w < n_vertices and dirs[w] != -1:
            w += 1
        if w == n_vertices:
            out[count] = dirs
            count += 1
        else:
            level += 1
            vertex[level] = w
            next_dir[level] = 0
            placed[level] = -1
    return count


def coverings(n: int, max_count: int = 100_000) -> np.ndarray:
    """All dimer coverings of the n×n torus as bond grids (count, 2n, 2n) int8."""
    out = np.empty((max_count, n * n), dtype=np.int8)
    count = _enumerate(lattice.neighbours(n), out)
    return lattice.grid_from_dirs(out[:count], n)


def boltzmann(energies: np.ndarray, T: float) -> np.ndarray:
    """Normalised weights exp(-E/T) (count,) of the given energies (count,); T may be inf."""
    log_w = np.zeros(len(energies)) if np.isinf(T) else -(energies - energies.min()) / T
    w = np.exp(log_w)
    return w / w.sum()


def merged_bins(values: np.ndarray, probs: np.ndarray, floor: float = 0.01) -> list[np.ndarray]:
    """Group the distinct values (k,) with probabilities (k,) into bins of probability >= floor.

    Adjacent values are merged in order; a light remainder joins the last bin.
    Returns the list of value arrays per bin.
    """
    bins, current, mass = [], [], 0.0
    for value, p in zip(values, probs, strict=True):
        current.append(value)
        mass += p
        if mass >= floor:
            bins.append(np.array(current))
            current, mass = [], 0.0
    if current:
        bins[-1] = np.concatenate([bins[-1], current])
    return bins


def hotelling_pvalue(fractions: np.ndarray, expected: np.ndarray) -> float:
    """p-value of Hotelling's T² test: per-chain bin fractions (chains, k) have mean expected (k,).

    Chains are independent; samples within a chain may be correlated (their
    correlation is in the spread of the per-chain fractions). The last bin is
    dropped (fractions sum to 1).
    """
    from scipy import stats

    x = fractions[:, :-1] - expected[:-1]
    b, k = x.shape
    mean = x.mean(axis=0)
    cov = np.cov(x, rowvar=False, ddof=1).reshape(k, k)
    t2 = b * mean @ np.linalg.solve(cov, mean)
    f = t2 * (b - k) / (k * (b - 1))
    return float(stats.f.sf(f, k, b - k))
