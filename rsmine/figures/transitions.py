"""Figures of transitions: where each lb's RSMI curve locates the transition, the
boundaryness of the filters (Figs. 3a, 5a, 7a, 12b), and the finite-size extrapolation
of the transition estimates to the infinite lattice.

Tables arrive as :mod:`rsmine.analysis.rsmi` writes them (RSMI in nats, drawn in bits;
control values in the system's control units). ``mark``
(:func:`~rsmine.figures.style.transition_mark`) draws the model's known transition.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from rsmine.analysis.rsmi.finite_size import FiniteSizeFit
from rsmine.analysis.rsmi.summary import standard_error
from rsmine.figures.style import (
    BITS,
    Mark,
    broken_at_infinity,
    control_axis,
    control_ticks,
    finish_control_axis,
    lb_colours,
    mark_transition,
    save,
)


def transition(
    summary: pd.DataFrame,
    transitions: pd.DataFrame,
    control: str,
    title: str,
    *,
    mark: Mark | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Mean test RSMI ± standard error against the control parameter per lb (top), and
    each lb's transition estimate with its 95 % interval on a row of its own (bottom,
    same control axis), with the known transition on both.

    The estimator follows the curve's shape (the table's ``shape``: steepest change of a
    step, vertex of a peak, none for a curve that shows neither); the interval is the
    bootstrap over runs widened by the grid error.
    summary: rows (point, lb) of :func:`rsmine.analysis.rsmi.summary.summarise` (nats).
    transitions: rows of :func:`rsmine.analysis.rsmi.transition.transition_table`.
    """
    fig = Figure(figsize=(8.5, 5.6), layout="constrained")
    ax, rows_ax = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1.3))
    values = summary["control"].to_numpy(dtype=float)
    positions, axis = control_axis(rows_ax, values, control, mark.log_axis if mark else None)
    table = summary.assign(x=positions, sem=standard_error(summary))
    by_lb = lb_colours(table["lb"])
    lbs = sorted(by_lb)
    estimates = transitions[transitions["method"] == "rsmi"].set_index("lb")
    for lb, rows in table.groupby("lb"):
        colour = by_lb[lb]
        x, mean, sem, q25, q75 = broken_at_infinity(
            axis, rows["x"], rows["mean"], rows["sem"].fillna(0), rows["q25"], rows["q75"]
        )
        ax.fill_between(x, q25 * BITS, q75 * BITS, color=colour, alpha=0.15, lw=0)
        ax.errorbar(x, mean * BITS, yerr=sem * BITS, fmt="o-", ms=3, color=colour, lw=1)
        ax.plot([], [], "o-", ms=3, color=colour, label=f"$L_B$ = {lb}")
        row = estimates.loc[lb] if lb in estimates.index else None
        _estimate_row(rows_ax, lbs.index(lb), row, colour)
    for axes in (ax, rows_ax):
        mark_transition(axes, mark)
    ax.plot([], [], "o-", ms=3, color="0.3", label="mean ± 1 s.e.")
    ax.fill_between([], [], color="0.5", alpha=0.15, label="interquartile range")
    if mark is not None:
        ax.plot([], [], color="crimson", ls="--", lw=1, label=mark.label)
    control_ticks(rows_ax, axis)
    rows_ax.set_yticks(range(len(lbs)), [f"$L_B$ = {lb}" for lb in lbs], fontsize="small")
    rows_ax.set_ylim(-0.7, len(lbs) - 0.3)
    rows_ax.set_title("transition estimate and 95 % interval per $L_B$", fontsize="small")
    ax.set_ylabel("test RSMI $I_\\Lambda(H:E)$ [bits]")
    ax.set_title(f"{title}: where is the transition?")
    ax.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1, 1))
    return save(fig, path)


def _estimate_row(ax: Axes, rank: int, row: pd.Series | None, colour: np.ndarray) -> None:
    """One lb's transition estimate on row ``rank``: a dot with its 95 % interval as a bar,
    or the words "no estimate" and the curve's shape where there is none."""
    if row is None or not math.isfinite(row["estimate"]):
        shape = "" if row is None else f" (curve: {row['shape']})"
        ax.annotate(
            f"no estimate{shape}",
            (0.02, rank),
            xycoords=("axes fraction", "data"),
            va="center",
            fontsize="x-small",
            color=colour,
        )
        return
    low, high = row["ci_low"], row["ci_high"]
    ax.errorbar(
        row["estimate"],
        rank,
        xerr=[[row["estimate"] - low], [high - row["estimate"]]],
        fmt="o",
        color=colour,
        ms=5,
        capsize=3,
        lw=1.5,
    )
    ax.annotate(f"  {row['shape']}", (high, rank), va="center", fontsize="x-small", color=colour)


def boundaryness(
    curves: pd.DataFrame,
    peaks: pd.DataFrame,
    control: str,
    title: str,
    *,
    mark: Mark | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Ensemble median boundaryness (Eq. 19) per lb, rescaled by its maximum over the
    control values, with the peak of each lb and the known transition (Fig. 7a).

    curves, peaks: tables of :mod:`rsmine.analysis.rsmi.boundaryness`.
    """
    fig = Figure(figsize=(7.5, 4.0), layout="constrained")
    ax = fig.subplots()
    values = curves["control"].to_numpy(dtype=float)
    positions, axis = control_axis(ax, values, control, mark.log_axis if mark else None)
    curves = curves.assign(x=positions)
    by_lb = lb_colours(curves["lb"])
    for lb, rows in curves.groupby("lb"):
        rows = rows.sort_values("x")
        ax.plot(rows["x"], rows["rescaled"], "o-", ms=3, color=by_lb[lb], label=f"$L_B$={lb}")
    for _, peak in peaks.iterrows():
        if math.isfinite(peak["peak"]):
            ax.plot(peak["peak"], 1.0, "*", ms=11, color=by_lb[peak["lb"]], mec="k", mew=0.5)
    ax.plot([], [], "*", color="0.5", mec="k", mew=0.5, ms=11, label="peak per $L_B$")
    finish_control_axis(ax, axis, mark)
    ax.set_ylabel("boundaryness / its max over " + control)
    ax.set_title(f"{title}: boundary vs bulk weight of the filters")
    fig.legend(loc="outside right upper", fontsize="x-small")
    return save(fig, path)


def finite_size(
    table: pd.DataFrame,
    fit: FiniteSizeFit,
    control: str,
    title: str,
    *,
    mark: Mark | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Transition estimates x_c(L) ± their standard errors against L^(−1/ν), the fitted line
    x_c(∞) + a·L^(−1/ν) continued to the infinite lattice (L^(−1/ν) = 0), its intercept's
    95 % interval, and the known transition.

    table: rows per lattice side with columns size, estimate, error (control units);
    fit: :func:`rsmine.analysis.rsmi.finite_size.extrapolate` of those rows.
    """
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.subplots()
    u = table["size"].to_numpy(dtype=float) ** (-1.0 / fit.nu)
    ax.errorbar(
        u,
        table["estimate"],
        yerr=table["error"],
        fmt="o",
        color="tab:blue",
        capsize=3,
        label="estimate on an L x L lattice (± 1 s.e.)",
    )
    for ui, size in zip(u, table["size"], strict=True):
        ax.annotate(
            f"L={size:g}",
            (ui, 0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            fontsize="x-small",
        )
    grid = np.linspace(0.0, u.max() * 1.1, 50)
    ax.plot(
        grid,
        fit.limit + fit.amplitude * grid,
        "-",
        color="tab:blue",
        lw=1,
        label=f"fit $x_c(L) = x_c(\\infty) + a L^{{-1/\\nu}}$, ν = {fit.nu:.3g}",
    )
    low, high = fit.limit_ci
    ax.errorbar(
        [0.0],
        [fit.limit],
        yerr=[[fit.limit - low], [high - fit.limit]],
        fmt="s",
        color="black",
        capsize=4,
        label=f"L → ∞: {fit.limit:.4g} [{low:.4g}, {high:.4g}]",
    )
    if mark is not None:
        ax.axhline(mark.value, color="crimson", ls="--", lw=1, label=mark.label)
    ax.set_xlim(left=-0.03 * u.max())
    ax.set_xlabel(f"$L^{{-1/\\nu}}$  (ν = {fit.nu:.3g})")
    ax.set_ylabel(f"transition estimate [{control}]")
    ax.set_title(f"{title}: finite-size extrapolation")
    ax.legend(fontsize="x-small")
    return save(fig, path)
