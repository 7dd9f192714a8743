"""Single-site mass marginals p(m) of the chipping–aggregation chain (paper Fig. 12a).

Low aggregation rate w: p(m) decays exponentially; high w: a condensate peak near
m ≈ ρL above an algebraically decaying part; near the transition, algebraic decay
throughout. The masses of every site of every sample are pooled (the chain is
translation invariant); large masses are binned logarithmically so that the tail
is readable on log-log axes. The figure is :func:`rsmine.figures.chipping.mass_marginals`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rsmine.errors import InputError
from rsmine.stores import read_samples


@dataclass(frozen=True)
class MassMarginal:
    """p(m) of one sample set.

    mass: (bins,) geometric centre of each mass bin (m ≥ 1).
    density: (bins,) p(m) averaged over the integers of the bin (probability per unit mass).
    error: (bins,) its standard error (Poisson on the bin count; sites pooled).
    width: (bins,) number of integer masses in the bin (p0 + Σ density·width = 1).
    p0: probability of an empty site, m = 0 (off a log axis).
    sites: number of pooled site values.
    """

    mass: np.ndarray
    density: np.ndarray
    error: np.ndarray
    width: np.ndarray
    p0: float
    sites: int


def mass_marginal(
    configs: np.ndarray, exact_below: int = 10, bins_per_decade: int = 10
) -> MassMarginal:
    """p(m) from configurations of masses.

    configs: (sample, L) non-negative integer masses.
    exact_below: masses m < exact_below get a bin of their own; above, bins are
        logarithmic with ``bins_per_decade`` bins per decade (integer edges).
    Empty bins are dropped (they carry no point on a log axis).
    """
    masses = np.asarray(configs).ravel()
    if masses.size == 0 or not np.issubdtype(masses.dtype, np.integer) or masses.min() < 0:
        raise InputError(
            f"mass_marginal: expected non-negative integer masses, got dtype {masses.dtype}, "
            f"{masses.size} values"
        )
    counts = np.bincount(masses)
    top = counts.size
    high = max(top, exact_below + 1)
    n_edges = math.ceil(bins_per_decade * math.log10(high / exact_below)) + 1
    log_edges = np.geomspace(exact_below, high, n_edges)
    edges = np.unique(np.concatenate([np.arange(1, exact_below), np.round(log_edges)]).astype(int))
    edges = np.append(edges[edges < top], top)
    cumulative = np.concatenate([[0], np.cumsum(counts)])
    in_bin = cumulative[edges[1:]] - cumulative[edges[:-1]]
    width = np.diff(edges)
    keep = in_bin > 0
    total = masses.size
    return MassMarginal(
        mass=np.sqrt(edges[:-1] * (edges[1:] - 1).clip(min=1))[keep].astype(float),
        density=(in_bin / (total * width))[keep],
        error=(np.sqrt(in_bin) / (total * width))[keep],
        width=width[keep],
        p0=float(counts[0] / total),
        sites=int(total),
    )


@dataclass(frozen=True)
class StoreMarginal:
    """p(m) of one chipping sample store.

    w: its aggregation rate; length: sites L of its ring; samples: configurations pooled;
    marginal: their :func:`mass_marginal`.
    """

    w: float
    length: int
    samples: int
    marginal: MassMarginal


def read_marginals(stores: Mapping[float, str | Path]) -> list[StoreMarginal]:
    """p(m) of every chipping sample store, in increasing w.

    stores: w -> chipping sample store (configs (sample, L) masses); one that does not
    hold a chain is refused.
    """
    if not stores:
        raise InputError("chipping marginals: no sample stores given")
    found = []
    for w, store in sorted(stores.items()):
        samples = read_samples(store)
        if samples.lattice != "chain":
            raise InputError(f"{store}: a {samples.lattice} store, expected a chipping chain")
        marginal = mass_marginal(samples.configs)
        found.append(StoreMarginal(float(w), samples.shape[0], samples.n_samples, marginal))
    return found


def marginal_table(marginals: Sequence[StoreMarginal]) -> pd.DataFrame:
    """One row per store: w, L, samples, p0 (empty-site probability), max_mass (the
    largest mass bin seen)."""
    return pd.DataFrame(
        [
            {
                "w": m.w,
                "L": m.length,
                "samples": m.samples,
                "p0": m.marginal.p0,
                "max_mass": float(m.marginal.mass.max()),
            }
            for m in marginals
        ]
    )
