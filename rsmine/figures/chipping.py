"""Figures of the chipping–aggregation chain: the single-site mass marginals (Fig. 12a)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from rsmine.analysis.chipping.marginals import StoreMarginal
from rsmine.figures.style import colours, save


def mass_marginals(
    marginals: Sequence[StoreMarginal], title: str, *, path: str | Path | None = None
) -> Figure:
    """p(m) per aggregation rate w on log-log axes, one line per sample store (Fig. 12a).

    marginals: :func:`~rsmine.analysis.chipping.marginals.read_marginals`, with error
    bars of one standard error.
    """
    fig = Figure(figsize=(6.0, 4.2), layout="constrained")
    ax = fig.subplots()
    for colour, found in zip(colours("viridis", len(marginals), top=0.9), marginals, strict=True):
        ax.errorbar(
            found.marginal.mass,
            found.marginal.density,
            found.marginal.error,
            fmt="o-",
            ms=2.5,
            lw=1,
            color=colour,
            label=f"w = {found.w:.3g}",
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("site mass m (m ≥ 1; wide bins above m = 10)")
    ax.set_ylabel("p(m) [probability per unit mass]")
    ax.set_title(title)
    ax.legend(fontsize="small", title="aggregation rate (chipping 1)", title_fontsize="x-small")
    return save(fig, path)
