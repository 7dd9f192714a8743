"""Figures of RSMI ensembles: one function per figure, matplotlib (Agg), bits on the axes.

Each function takes the summary table of :func:`rsmine.analysis.ensembles.summarise`
(RSMI in nats), returns the figure, and saves it when ``path`` is given.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

BITS = 1.0 / math.log(2.0)
"""Bits per nat."""


def _positions(values: np.ndarray) -> tuple[np.ndarray, bool, float | None]:
    """x positions for control values: inf placed a gap beyond the largest finite value.

    Returns (positions, log scale?, position of inf or None).
    """
    finite = values[np.isfinite(values)]
    log = bool(finite.size and finite.min() > 0 and finite.max() / finite.min() > 20)
    if not np.isinf(values).any():
        return values.astype(float), log, None
    top = float(finite.max()) if finite.size else 1.0
    span = top - float(finite.min()) if finite.size else 0.0
    at_inf = top * 3.0 if log else top + max(span * 0.25, abs(top) * 0.5, 0.5)
    return np.where(np.isinf(values), at_inf, values).astype(float), log, at_inf


def _label_infinity(ax, at_inf: float) -> None:
    """Replace the x ticks beyond the finite values by one tick labelled ∞ at ``at_inf``."""
    low, high = ax.get_xlim()
    gap = at_inf / 2.0 if ax.get_xscale() == "log" else at_inf - 0.5 * (at_inf - low) / 2
    ticks = [t for t in ax.get_xticks() if low <= t <= gap]
    ax.set_xticks([*ticks, at_inf], [f"{t:g}" for t in ticks] + ["∞"])
    ax.minorticks_off()
    ax.set_xlim(low, high)
    ax.axvline(at_inf, color="0.85", lw=0.5, zorder=0)


def _save(fig: Figure, path: str | Path | None) -> Figure:
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=150)
    return fig


def rsmi_vs_control(
    table: pd.DataFrame, control: str, title: str, path: str | Path | None = None
) -> Figure:
    """Maximal RSMI against the control parameter, one line per buffer width lb.

    The line is the maximum over runs, the band the interquartile range over
    runs, the dots the mean (Fig. 3a, Fig. 5a, Fig. 12b of the paper).
    table: rows (point, lb) with columns control, lb, max, q25, q75, mean in nats.
    """
    fig, ax = plt.subplots(figsize=(6.0, 4.0), layout="constrained")
    x_all, log, at_inf = _positions(table["control"].to_numpy(dtype=float))
    table = table.assign(x=x_all)
    colours = plt.get_cmap("viridis")(np.linspace(0, 0.9, table["lb"].nunique()))
    for colour, (lb, rows) in zip(colours, table.groupby("lb"), strict=True):
        rows = rows.sort_values("x")
        ax.plot(rows["x"], rows["max"] * BITS, "o-", color=colour, ms=3, label=f"$L_B$={lb}")
        ax.fill_between(
            rows["x"], rows["q25"] * BITS, rows["q75"] * BITS, color=colour, alpha=0.2, lw=0
        )
        ax.plot(rows["x"], rows["mean"] * BITS, ".", color=colour, alpha=0.6)
    if log:
        ax.set_xscale("log")
    if at_inf is not None:
        _label_infinity(ax, at_inf)
    ax.set_xlabel(control)
    ax.set_ylabel("RSMI $I_\\Lambda(H:E)$ [bits]")
    ax.set_title(title)
    ax.legend(fontsize="small", ncols=2)
    return _save(fig, path)


def rsmi_vs_buffer(
    table: pd.DataFrame, control: str, title: str, path: str | Path | None = None
) -> Figure:
    """Maximal RSMI against the buffer width lb, one line per point (Fig. 3b, Fig. 6).

    Logarithmic RSMI axis: exponential decay with lb is a straight line; RSMI
    estimates <= 0 (no information found) are left out.
    table: rows (point, lb) with columns point, control, lb, max in nats.
    """
    fig, ax = plt.subplots(figsize=(6.0, 4.0), layout="constrained")
    points = table.sort_values("control")["point"].unique()
    colours = plt.get_cmap("plasma")(np.linspace(0, 0.9, len(points)))
    for colour, point in zip(colours, points, strict=True):
        rows = table[table["point"] == point].sort_values("lb")
        value = rows["control"].iloc[0]
        label = f"{control}={'∞' if np.isinf(value) else f'{value:g}'}"
        positive = rows["max"].where(rows["max"] > 0)
        ax.plot(rows["lb"], positive * BITS, "o-", color=colour, ms=3, label=label)
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("buffer width $L_B$")
    ax.set_ylabel("max RSMI [bits]")
    ax.set_title(title)
    ax.legend(fontsize="x-small", ncols=2)
    return _save(fig, path)


FIGURES = {"rsmi_vs_control": rsmi_vs_control, "rsmi_vs_buffer": rsmi_vs_buffer}
"""Figure functions by name, for the workflow's figure rules."""
