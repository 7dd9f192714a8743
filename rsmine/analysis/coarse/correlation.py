"""Two-point correlation of coarse-grained variables H against distance (``rsmine coarse-grain``).

G_c(r) = ⟨h_c(x) h_c(x + r·e_a)⟩ − ⟨h_c⟩², averaged over sites x, lattice axes a and
samples, for r = 0 .. B/2 entries on a periodic lattice of B entries per axis (blocks of
the disjoint tiling, or of ``rsmine coarse-grain --stride``: r in blocks is then r·stride/lv);
G_c(0) is the variance. Error bars: the standard error over ``batches`` contiguous groups
of samples (a sample store keeps each chain's samples together, so the groups are nearly
independent).
The figure is :func:`rsmine.figures.coarse.two_point`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rsmine.errors import InputError


def _correlations(h: np.ndarray, mean: np.ndarray, distances: range) -> np.ndarray:
    """(C, R) correlations of h (N, C, *B) about the per-component ``mean`` (C,)."""
    d = h - mean.reshape(1, -1, *([1] * (h.ndim - 2)))
    axes = range(2, h.ndim)
    out = np.empty((h.shape[1], len(distances)))
    for k, r in enumerate(distances):
        prods = [(d * np.roll(d, -r, axis=a)).mean(axis=(0, *axes)) for a in axes]
        out[:, k] = np.mean(prods, axis=0)
    return out


def two_point(components: np.ndarray, batches: int = 10, spacing: float = 1.0) -> pd.DataFrame:
    """Connected G_c(r) of coarse-grained components (N, C, *B) (the ``components`` array).

    spacing: the distance between neighbouring entries in blocks
    (:func:`rsmine.coarse_grain.block_spacing`: 1 for the disjoint tiling, stride / lv for
    overlapping blocks). Returns a DataFrame with columns component, r (blocks), corr, err
    (standard error over ``batches`` contiguous sample groups, each centred on the global mean).
    """
    h = np.asarray(components, dtype=np.float64)
    if h.ndim < 3 or h.shape[0] < batches or batches < 2:
        raise InputError(
            f"two_point: components must be (sample, component, *lattice) with at least "
            f"{max(batches, 2)} samples, got shape {h.shape}"
        )
    distances = range(min(h.shape[2:]) // 2 + 1)
    mean = h.mean(axis=(0, *range(2, h.ndim)))
    total = _correlations(h, mean, distances)
    parts = np.stack([_correlations(p, mean, distances) for p in np.array_split(h, batches)])
    err = parts.std(axis=0, ddof=1) / np.sqrt(batches)
    return pd.DataFrame(
        [
            {"component": c, "r": r * spacing, "corr": total[c, k], "err": err[c, k]}
            for c in range(h.shape[1])
            for k, r in enumerate(distances)
        ]
    )
