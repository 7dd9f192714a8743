"""Figures of RSMI curves: against the control and the buffer width, the transition,
the buffer scaling, the boundaryness and the components sweep (Figs. 3, 5-7, 11, 12b).

Tables arrive as :mod:`rsmine.analysis.rsmi` writes them (RSMI in nats) and RSMI is
drawn in bits. ``mark`` (:func:`~rsmine.figures.style.transition_mark`) draws the
model's known transition on the control axis.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from rsmine.analysis.rsmi.scaling import DecayFit
from rsmine.analysis.rsmi.summary import noise_flags, standard_error
from rsmine.errors import InputError
from rsmine.figures.style import (
    BITS,
    ControlAxis,
    Mark,
    colours,
    control_axis,
    control_text,
    control_ticks,
    lb_colours,
    mark_transition,
    save,
)


def _finish_axis(ax: Axes, axis: ControlAxis, mark: Mark | None) -> None:
    """Ticks (∞ behind a break) and the known transition, with its legend entry."""
    for handle in mark_transition(ax, mark):
        ax.add_line(handle)  # an empty line: its entry in the figure legend
    control_ticks(ax, axis)


def rsmi_vs_control(
    table: pd.DataFrame,
    control: str,
    title: str,
    *,
    mark: Mark | None = None,
    path: str | Path | None = None,
) -> Figure:
    """RSMI against the control parameter, one colour per buffer width lb.

    Per lb: the line is the test RSMI of the validation-best run (the paper's maximal RSMI,
    Figs. 3a,
    5a, 12b), the band the interquartile range over runs, the dots the mean with
    error bars of one standard error. The legend says so on the figure.
    table: rows (point, lb) with columns control, lb, runs, best, q25, q75, mean, std (nats).
    """
    fig = Figure(figsize=(7.6, 4.2), layout="constrained")
    ax = fig.subplots()
    values = table["control"].to_numpy(dtype=float)
    x_all, axis = control_axis(ax, values, control, mark.log_axis if mark else None)
    table = table.assign(x=x_all, se=standard_error(table))
    by_lb = lb_colours(table["lb"])
    handles = []
    for lb, rows in table.groupby("lb"):
        colour = by_lb[lb]
        rows = rows.sort_values("x")
        finite = rows[np.isfinite(rows["control"])]  # no line across the break before ∞
        ax.plot(finite["x"], finite["best"] * BITS, "_-", color=colour, lw=1.5, ms=10, mew=1.5)
        ax.fill_between(
            finite["x"], finite["q25"] * BITS, finite["q75"] * BITS, color=colour, alpha=0.3, lw=0
        )
        infinite = rows[~np.isfinite(rows["control"])]
        ax.plot(infinite["x"], infinite["best"] * BITS, "_", color=colour, ms=10, mew=1.5)
        ax.vlines(
            infinite["x"],
            infinite["q25"] * BITS,
            infinite["q75"] * BITS,
            color=colour,
            alpha=0.3,
            lw=8,
        )
        ax.errorbar(
            rows["x"],
            rows["mean"] * BITS,
            rows["se"] * BITS,
            fmt="o",
            color=colour,
            ms=3,
            capsize=2,
            lw=0.8,
        )
        handles.append(Patch(color=colour, label=f"$L_B$ = {lb}"))
    style = [
        Line2D([], [], color="0.3", lw=1.5, marker="_", ms=10, label="validation-best run"),
        Patch(color="0.3", alpha=0.3, label="interquartile range"),
        Line2D([], [], color="0.3", marker="o", ms=3, ls="", label="mean ± 1 s.e."),
    ]
    handles += mark_transition(ax, mark)
    control_ticks(ax, axis)
    ax.set_ylabel("RSMI $I_\\Lambda(H:E)$ [bits]")
    ax.set_title(title)
    first = ax.legend(handles=handles, fontsize="small", loc="upper left", bbox_to_anchor=(1, 1))
    ax.add_artist(first)
    ax.legend(
        handles=style,
        fontsize="small",
        loc="lower left",
        bbox_to_anchor=(1, 0),
        title="per $L_B$",
        title_fontsize="small",
    )
    return save(fig, path)


def rsmi_vs_buffer(
    table: pd.DataFrame,
    control: str,
    title: str,
    *,
    mark: Mark | None = None,
    path: str | Path | None = None,
) -> Figure:
    """RSMI of the validation-best run against the buffer width lb, one line per point
    (Fig. 3b, Fig. 6).

    Logarithmic RSMI axis: exponential decay with lb is a straight line. Rows whose RSMI
    is indistinguishable from 0 (:func:`~rsmine.analysis.rsmi.summary.noise_flags`) are
    drawn as open triangles on the noise floor, the grey band: below the smallest RSMI
    that is distinguishable from 0 in this table (or the largest flagged best, if higher).
    table: rows (point, lb) with columns point, control, lb, runs, best, mean, std in nats.
    mark: unused (the control is not on an axis); accepted like the other figures.
    Refuses a table with a single lb: a buffer scan needs at least two.
    """
    del mark
    if table["lb"].nunique() < 2:
        raise InputError(
            f"{title}: RSMI against the buffer width needs at least two lb values, "
            f"got {sorted(table['lb'].unique().tolist())}"
        )
    fig = Figure(figsize=(7.6, 4.2), layout="constrained")
    ax = fig.subplots()
    flagged = noise_flags(table)
    resolved = table.loc[~flagged, "best"]
    floor_candidates = table.loc[flagged & (table["best"] > 0), "best"]
    floor = max(
        float(resolved.min()) / 2 if len(resolved) else 1e-3,
        float(floor_candidates.max()) if len(floor_candidates) else 0.0,
    )
    points = table.sort_values("control")["point"].unique()
    for colour, point in zip(colours("plasma", len(points)), points, strict=True):
        rows = table[table["point"] == point].sort_values("lb")
        low = flagged[rows.index]
        label = f"{control} = {control_text(rows['control'].iloc[0], '.4g')}"
        y = np.where(low, floor, rows["best"]) * BITS
        ax.plot(rows["lb"], y, "-", color=colour, lw=1, alpha=0.8)
        ax.plot(rows["lb"][~low], y[~low], "o", color=colour, ms=4, label=label)
        ax.plot(rows["lb"][low], y[low], "v", mfc="none", color=colour, ms=6)
    ax.set_yscale("log")
    if flagged.any():
        ax.axhspan(ax.get_ylim()[0] * 0.5, floor * BITS, color="0.88", lw=0, zorder=0)
        ax.plot([], [], "v", mfc="none", color="0.3", label="≈ 0: at or below noise floor")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("buffer width $L_B$")
    ax.set_ylabel("RSMI of the validation-best run [bits]")
    ax.set_title(title)
    ax.legend(
        fontsize="x-small", loc="upper left", bbox_to_anchor=(1, 1), ncols=1 + len(points) // 12
    )
    return save(fig, path)


FIGURES = {"rsmi_vs_control": rsmi_vs_control, "rsmi_vs_buffer": rsmi_vs_buffer}
"""Figure functions by name, for the workflow's figure rules."""


def transition(
    summary: pd.DataFrame,
    transitions: pd.DataFrame,
    control: str,
    title: str,
    *,
    mark: Mark | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Mean test RSMI ± standard error against the control parameter per lb, with the
    interquartile band over runs, each lb's transition estimate (steepest change of
    the mean) and its bootstrap 95 % interval, and the known transition.

    summary: rows (point, lb) of :func:`rsmine.analysis.rsmi.summary.summarise` (nats).
    transitions: rows of :func:`rsmine.analysis.rsmi.transition.transition_table`.
    """
    fig = Figure(figsize=(8.5, 4.2), layout="constrained")
    ax = fig.subplots()
    values = summary["control"].to_numpy(dtype=float)
    positions, axis = control_axis(ax, values, control, mark.log_axis if mark else None)
    table = summary.assign(x=positions, sem=standard_error(summary))
    by_lb = lb_colours(table["lb"])
    steep = transitions[transitions["method"] == "steepest"].set_index("lb")
    for lb, rows in table.groupby("lb"):
        rows = rows.sort_values("x")
        colour = by_lb[lb]
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
    return save(fig, path)


def buffer_fits(
    summary: pd.DataFrame,
    fits: Mapping[str, DecayFit],
    control: str,
    title: str,
    *,
    path: str | Path | None = None,
) -> Figure:
    """Mean RSMI over runs against lb per point, semi-log (left) and log-log (right, lb ≥ 1),
    with the fitted exponential / power law (solid: the model AIC chose; dashed: the
    exponential when undetermined) and the points at the noise floor drawn as open
    triangles at the floor (2 standard errors).

    summary: rows (point, lb) of :func:`rsmine.analysis.rsmi.summary.summarise` (nats).
    fits: the fit of every point, by point label
    (:func:`~rsmine.analysis.rsmi.scaling.buffer_fits_table`).
    """
    fig = Figure(figsize=(11.5, 4.2), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    points = summary.sort_values("control")["point"].unique()
    for colour, point in zip(colours("plasma", len(points)), points, strict=True):
        cells = summary[summary["point"] == point].sort_values("lb")
        cells = cells.assign(sem=standard_error(cells))
        fit = fits[point]
        lb = cells["lb"].to_numpy(dtype=float)
        model = fit.model if fit.model != "undetermined" else "exponential"
        parameter = fit.length if model == "exponential" else fit.exponent
        name = f"{control}={control_text(cells['control'].iloc[0])}: "
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
    return save(fig, path)


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
    _finish_axis(ax, axis, mark)
    ax.set_ylabel("boundaryness / its max over " + control)
    ax.set_title(f"{title}: boundary vs bulk weight of the filters")
    fig.legend(loc="outside right upper", fontsize="x-small")
    return save(fig, path)


def components(
    table: pd.DataFrame, control: str, title: str, *, path: str | Path | None = None
) -> Figure:
    """RSMI of the validation-best run against the number of components of H, one line per
    point, one panel per lb (Fig. 11); dotted lines at 1 and 2 bits (2 and 4 states).

    table: rows (point, lb, components) of :func:`rsmine.analysis.rsmi.summary.summarise`.
    """
    lbs = sorted(table["lb"].unique())
    fig = Figure(figsize=(3.2 * len(lbs) + 2, 3.8), layout="constrained")
    axes = fig.subplots(1, len(lbs), squeeze=False, sharey=True)
    points = table.sort_values("control")["point"].unique()
    for ax, lb in zip(axes[0], lbs, strict=True):
        for colour, point in zip(colours("plasma", len(points)), points, strict=True):
            rows = table[(table["lb"] == lb) & (table["point"] == point)].sort_values("components")
            label = f"{control}={control_text(rows['control'].iloc[0])}"
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
    return save(fig, path)
