"""Figures of the physics analyses: transition, buffer scaling, boundaryness, components.

One function per figure (matplotlib, Agg), each returning the figure and saving it
when ``path`` is given. RSMI arrives in nats (the tables) and is drawn in bits.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from rsmine.analysis.figures import (
    BITS,
    Mark,
    _control_axis,
    _control_ticks,
    _mark_transition,
    _save,
    standard_error,
)
from rsmine.analysis.scaling import buffer_fits_table


def _lb_colours(lbs) -> dict[int, tuple]:
    lbs = sorted(set(lbs))
    return dict(zip(lbs, plt.get_cmap("viridis")(np.linspace(0, 0.85, len(lbs))), strict=True))


def _finish_axis(ax, axis, mark: Mark | None) -> None:
    """Ticks (∞ behind a break) and the known transition, with its legend entry."""
    for handle in _mark_transition(ax, mark):
        ax.add_line(handle)  # an empty line: its entry in the figure legend
    _control_ticks(ax, *axis)


def transition(
    summary: pd.DataFrame,
    transitions: pd.DataFrame,
    control: str,
    title: str,
    mark: Mark | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Mean test RSMI ± standard error against the control parameter per lb, with the
    interquartile band over runs, each lb's transition estimate (steepest change of
    the mean) and its bootstrap 95 % interval, and the known transition.

    summary: rows (point, lb) of :func:`rsmine.analysis.ensembles.summarise` (nats).
    transitions: rows of :func:`rsmine.analysis.transition.transition_table`.
    """
    fig, ax = plt.subplots(figsize=(8.5, 4.2), layout="constrained")
    values = summary["control"].to_numpy(dtype=float)
    positions, axis = _control_axis(ax, values, control, mark.log_axis if mark else None)
    table = summary.assign(x=positions, sem=standard_error(summary))
    colours = _lb_colours(table["lb"])
    steep = transitions[transitions["method"] == "steepest"].set_index("lb")
    for lb, rows in table.groupby("lb"):
        rows = rows.sort_values("x")
        colour = colours[lb]
        ax.fill_between(
            rows["x"], rows["q25"] * BITS, rows["q75"] * BITS, color=colour, alpha=0.15, lw=0
        )
        ax.errorbar(
            rows["x"],
            rows["mean"] * BITS,
            yerr=rows["sem"].fillna(0) * BITS,
            fmt="o-",
            ms=3,
            capsize=2,
            color=colour,
            label=f"$L_B$={lb}: mean ± s.e.",
        )
        if lb in steep.index and math.isfinite(steep.loc[lb, "estimate"]):
            row = steep.loc[lb]
            ax.axvspan(row["ci_low"], row["ci_high"], color=colour, alpha=0.18, lw=0)
            ax.axvline(row["estimate"], color=colour, ls=":", lw=1.5)
    _finish_axis(ax, axis, mark)
    ax.plot([], [], ":", color="0.3", label="transition estimate\n(steepest mean; 95 % CI band)")
    ax.fill_between([], [], color="0.5", alpha=0.15, label="interquartile range over runs")
    ax.set_ylabel("test RSMI $I_\\Lambda(H:E)$ [bits]")
    ax.set_title(f"{title}: where is the transition?")
    fig.legend(loc="outside right upper", fontsize="x-small")
    return _save(fig, path)


def buffer_fits(
    summary: pd.DataFrame, control: str, title: str, path: str | Path | None = None
) -> Figure:
    """Mean RSMI over runs against lb per point, semi-log (left) and log-log (right, lb ≥ 1),
    with the fitted exponential / power law (solid: the model AIC chose; dashed: the
    exponential when undetermined) and the points at the noise floor drawn as open
    triangles at the floor (2 standard errors).

    summary: rows (point, lb) of :func:`rsmine.analysis.ensembles.summarise` (nats).
    """
    _, fits = buffer_fits_table(summary)
    fig, axes = plt.subplots(1, 2, figsize=(11.5, 4.2), layout="constrained", sharey=True)
    points = summary.sort_values("control")["point"].unique()
    colours = plt.get_cmap("plasma")(np.linspace(0, 0.85, len(points)))
    for colour, point in zip(colours, points, strict=True):
        cells = summary[summary["point"] == point].sort_values("lb")
        cells = cells.assign(sem=standard_error(cells))
        fit = fits[point]
        lb = cells["lb"].to_numpy(dtype=float)
        value = cells["control"].iloc[0]
        model = fit.model if fit.model != "undetermined" else "exponential"
        parameter = fit.length if model == "exponential" else fit.exponent
        name = f"{control}={'∞' if np.isinf(value) else f'{value:g}'}: "
        if not math.isfinite(parameter):
            name += "no decay fitted"
        elif fit.model == "undetermined":
            name += f"too few points; exp ξ={fit.length:.2g}"
        elif model == "exponential":
            name += f"exp, ξ={parameter:.2g}"
        else:
            name += f"power, υ={parameter:.2g}"
        for ax, keep in zip(axes, (lb >= 0, lb >= 1), strict=True):
            used, under = fit.used & keep, ~fit.used & keep
            mean, sem = cells["mean"].to_numpy()[used], cells["sem"].to_numpy()[used]
            ax.errorbar(lb[used], mean * BITS, sem * BITS, fmt="o", color=colour, ms=4, capsize=2)
            floor = np.maximum(fit.floor[under], 1e-4)
            ax.plot(lb[under], floor * BITS, "v", mfc="none", color=colour, ms=6)
            label = name if ax is axes[0] else None
            if math.isfinite(parameter) and keep.any():
                start = max(lb[keep].min(), 1.0 if model == "power" else 0.0)
                grid = np.linspace(start, lb.max(), 100)
                style = "-" if fit.model != "undetermined" else "--"
                ax.plot(grid, fit.predict(model, grid) * BITS, style, color=colour, label=label)
            else:
                ax.plot([], [], "o", color=colour, label=label)
    axes[0].plot([], [], "v", mfc="none", color="0.3", label="at noise floor (≤ 2 s.e.)")
    for ax in axes:
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[1].set_xscale("log")
    ticks = sorted(v for v in summary["lb"].unique() if v >= 1)
    axes[1].set_xticks(ticks, [str(t) for t in ticks])
    axes[1].minorticks_off()
    axes[0].set_xlabel("buffer width $L_B$")
    axes[1].set_xlabel("buffer width $L_B$ (log)")
    axes[0].set_ylabel("mean RSMI over runs [bits]")
    axes[0].set_title("semi-log: exponential = straight")
    axes[1].set_title("log-log: power law = straight")
    fig.suptitle(f"{title}: RSMI against buffer width")
    fig.legend(loc="outside right upper", fontsize="x-small")
    return _save(fig, path)


def boundaryness(
    curves: pd.DataFrame,
    peaks: pd.DataFrame,
    control: str,
    title: str,
    mark: Mark | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Ensemble median boundaryness (Eq. 19) per lb, rescaled by its maximum over the
    control values, with the peak of each lb and the known transition (Fig. 7a).

    curves, peaks: tables of :mod:`rsmine.analysis.boundaryness`.
    """
    fig, ax = plt.subplots(figsize=(7.5, 4.0), layout="constrained")
    values = curves["control"].to_numpy(dtype=float)
    positions, axis = _control_axis(ax, values, control, mark.log_axis if mark else None)
    curves = curves.assign(x=positions)
    colours = _lb_colours(curves["lb"])
    for lb, rows in curves.groupby("lb"):
        rows = rows.sort_values("x")
        ax.plot(rows["x"], rows["rescaled"], "o-", ms=3, color=colours[lb], label=f"$L_B$={lb}")
    for _, peak in peaks.iterrows():
        if math.isfinite(peak["peak"]):
            ax.plot(peak["peak"], 1.0, "*", ms=11, color=colours[peak["lb"]], mec="k", mew=0.5)
    ax.plot([], [], "*", color="0.5", mec="k", mew=0.5, ms=11, label="peak per $L_B$")
    _finish_axis(ax, axis, mark)
    ax.set_ylabel("boundaryness / its max over " + control)
    ax.set_title(f"{title}: boundary vs bulk weight of the filters")
    fig.legend(loc="outside right upper", fontsize="x-small")
    return _save(fig, path)


def components(
    table: pd.DataFrame, control: str, title: str, path: str | Path | None = None
) -> Figure:
    """RSMI of the validation-best run against the number of components of H, one line per
    point, one panel per lb (Fig. 11); dotted lines at 1 and 2 bits (2 and 4 states).

    table: rows (point, lb, components) of :func:`rsmine.analysis.ensembles.summarise`.
    """
    lbs = sorted(table["lb"].unique())
    fig, axes = plt.subplots(
        1,
        len(lbs),
        figsize=(3.2 * len(lbs) + 2, 3.8),
        layout="constrained",
        squeeze=False,
        sharey=True,
    )
    points = table.sort_values("control")["point"].unique()
    colours = plt.get_cmap("plasma")(np.linspace(0, 0.85, len(points)))
    for ax, lb in zip(axes[0], lbs, strict=True):
        for colour, point in zip(colours, points, strict=True):
            rows = table[(table["lb"] == lb) & (table["point"] == point)].sort_values("components")
            value = rows["control"].iloc[0]
            label = f"{control}={'∞' if np.isinf(value) else f'{value:g}'}"
            ax.plot(rows["components"], rows["best"] * BITS, "o-", color=colour, label=label)
            ax.plot(rows["components"], rows["mean"] * BITS, ".", color=colour, alpha=0.5)
        for bits in (1.0, 2.0):
            ax.axhline(bits, color="0.6", ls=":", lw=1)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(bottom=0)
        ax.set_xlabel("components of H")
        ax.set_title(f"$L_B$={lb}")
    axes[0][0].set_ylabel("RSMI [bits] (line: validation-best run, dots: mean over runs)")
    fig.legend(
        *axes[0][0].get_legend_handles_labels(), loc="outside right upper", fontsize="x-small"
    )
    fig.suptitle(f"{title}: RSMI against the number of components")
    return _save(fig, path)
