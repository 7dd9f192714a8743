"""Single-site mass marginals p(m) of the chipping–aggregation chain (paper Fig. 12a).

Low aggregation rate w: p(m) decays exponentially; high w: a condensate peak near
m ≈ ρL above an algebraically decaying part; near the transition, algebraic decay
throughout. The masses of every site of every sample are pooled (the chain is
translation invariant); large masses are binned logarithmically so that the tail
is readable on log-log axes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

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


def chipping_marginals(
    stores: Mapping[float, str | Path], title: str, path: str | Path | None = None
) -> tuple[Figure, list[dict]]:
    """p(m) per aggregation rate w on log-log axes, one line per sample store (Fig. 12a).

    stores: w -> chipping sample store (configs (sample, L) masses).
    Returns the figure and a record per w: w, L, samples, p0, largest mass seen.
    """
    if not stores:
        raise InputError(f"{title}: no sample stores given")
    fig, ax = plt.subplots(figsize=(6.0, 4.2), layout="constrained")
    colours = plt.get_cmap("viridis")(np.linspace(0, 0.9, len(stores)))
    record = []
    for colour, (w, store) in zip(colours, sorted(stores.items()), strict=True):
        samples = read_samples(store)
        if samples.lattice != "chain":
            raise InputError(f"{store}: a {samples.lattice} store, expected a chipping chain")
        marginal = mass_marginal(samples.configs)
        ax.errorbar(
            marginal.mass,
            marginal.density,
            marginal.error,
            fmt="o-",
            ms=2.5,
            lw=1,
            color=colour,
            label=f"w = {w:.3g}",
        )
        record.append(
            {
                "w": float(w),
                "L": samples.shape[0],
                "samples": samples.n_samples,
                "p0": marginal.p0,
                "max_mass": float(marginal.mass.max()),
            }
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("site mass m (m ≥ 1; wide bins above m = 10)")
    ax.set_ylabel("p(m) [probability per unit mass]")
    ax.set_title(title)
    ax.legend(fontsize="small", title="aggregation rate (chipping 1)", title_fontsize="x-small")
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=150)
    return fig, record
