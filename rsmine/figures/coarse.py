"""Figures of coarse-grained fields: the two-point correlation of H against distance."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from rsmine.figures.style import colours, save


def two_point(
    tables: Mapping[str, pd.DataFrame], title: str, *, path: str | Path | None = None
) -> Figure:
    """G_c(r) against r with error bars: one colour per label (temperature), one marker per
    component. tables: label -> :func:`rsmine.analysis.coarse.correlation.two_point` table."""
    fig = Figure(figsize=(5.6, 4.0), layout="constrained")
    ax = fig.subplots()
    markers = "osD^v"
    for colour, (label, table) in zip(
        colours("plasma", len(tables), top=0.8), tables.items(), strict=True
    ):
        for c, rows in table.groupby("component"):
            ax.errorbar(
                rows["r"],
                rows["corr"],
                rows["err"],
                color=colour,
                marker=markers[c % 5],
                ms=4,
                capsize=2,
                lw=1,
                label=f"{label}, $h_{c + 1}$",
            )
    ax.axhline(0, color="0.7", lw=0.6, zorder=0)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("distance r [blocks of side $L_V$]")
    ax.set_ylabel("$G(r)=\\langle h(x)h(x+r)\\rangle-\\langle h\\rangle^2$  (h = ±1)")
    ax.set_title(title)
    ax.legend(fontsize="small")
    return save(fig, path)
