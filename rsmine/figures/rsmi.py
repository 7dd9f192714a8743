"""Figures of RSMI curves: against the control and the buffer width, the buffer scaling
and the components sweep (Figs. 3, 5, 6, 11, 12b); the transition and boundaryness
figures are in :mod:`rsmine.figures.transitions`.

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

from rsmine.analysis.rsmi.scaling import DecayFit, fitted_rsmi
from rsmine.analysis.rsmi.summary import noise_flags, standard_error
from rsmine.errors import InputError
from rsmine.figures.style import (
    BITS,
    Mark,
    colours,
    control_axis,
    control_text,
    control_ticks,
    lb_colours,
    mark_transition,
    save,
)


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
    error bars of one standard error; where the table has the column ``reference_rsmi``
    (:func:`rsmine.analysis.rsmi.summary.summarise`), a dashed line the best physical
    reference's held-out value. The legend says so on the figure.
    table: rows (point, lb) with columns control, lb, runs, best, q25, q75, mean, std and
    optionally reference_rsmi (nats).
    """
    fig = Figure(figsize=(7.6, 4.2), layout="constrained")
    ax = fig.subplots()
    values = table["control"].to_numpy(dtype=float)
    x_all, axis = control_axis(ax, values, control, mark.log_axis if mark else None)
    table = table.assign(x=x_all, se=standard_error(table))
    by_lb = lb_colours(table["lb"])
    handles = []
    referenced = False
    for lb, rows in table.groupby("lb"):
        colour = by_lb[lb]
        rows = rows.sort_values("x")
        finite = rows[np.isfinite(rows["control"])]  # no line across the break before ∞
        ax.plot(finite["x"], finite["best"] * BITS, "D-", color=colour, lw=1.5, ms=4, mfc="white")
        ax.fill_between(
            finite["x"], finite["q25"] * BITS, finite["q75"] * BITS, color=colour, alpha=0.3, lw=0
        )
        infinite = rows[~np.isfinite(rows["control"])]
        ax.plot(infinite["x"], infinite["best"] * BITS, "D", color=colour, ms=4, mfc="white")
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
        referenced = _draw_reference(ax, rows, colour) or referenced
    style = [
        Line2D(
            [], [], color="0.3", lw=1.5, marker="D", ms=4, mfc="white", label="validation-best run"
        ),
        Patch(color="0.3", alpha=0.3, label="interquartile range"),
        Line2D([], [], color="0.3", marker="o", ms=3, ls="", label="mean ± 1 s.e."),
    ]
    if referenced:
        style.append(Line2D([], [], color="0.3", ls="--", label=REFERENCE_LABEL))
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


REFERENCE_LABEL = "best physical reference (held-out)"


def _draw_reference(ax: Axes, rows: pd.DataFrame, colour: np.ndarray) -> bool:
    """The column reference_rsmi (nats) of one lb's rows (with x, sorted) as a dashed line
    over finite controls and a dash at control ∞, of the lb's colour; False where the rows
    have none."""
    if "reference_rsmi" not in rows or not np.isfinite(rows["reference_rsmi"]).any():
        return False
    finite = np.isfinite(rows["control"])
    y = rows["reference_rsmi"] * BITS
    ax.plot(rows["x"][finite], y[finite], "--", color=colour, lw=1.2)
    ax.plot(rows["x"][~finite], y[~finite], "_", color=colour, ms=12, mew=1.2)
    return True


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


def buffer_fits(
    summary: pd.DataFrame,
    fits: Mapping[str, DecayFit],
    control: str,
    title: str,
    *,
    path: str | Path | None = None,
) -> Figure:
    """Mean RSMI of the runs that left the plateau
    (:func:`~rsmine.analysis.rsmi.scaling.fitted_rsmi`) against lb per point, semi-log
    (left) and log-log (right, lb ≥ 1),
    with the fitted exponential / power law (solid: the model AIC chose; dashed: the
    exponential when undetermined), the points at the noise floor drawn as open
    triangles at the floor (2 standard errors), and the best physical reference of each
    lb (open squares, dotted) where the ensemble holds references.

    summary: rows (point, lb) of :func:`rsmine.analysis.rsmi.summary.summarise` (nats).
    fits: the fit of every point, by point label
    (:func:`~rsmine.analysis.rsmi.scaling.buffer_fits_table`).
    """
    fig = Figure(figsize=(11.5, 4.2), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    points = summary.sort_values("control")["point"].unique()
    for colour, point in zip(colours("plasma", len(points)), points, strict=True):
        cells = summary[summary["point"] == point].sort_values("lb")
        rsmi, err = fitted_rsmi(cells)
        err = np.zeros_like(rsmi) if err is None else err
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
            ax.errorbar(lb[used], rsmi[used] * BITS, err[used] * BITS, fmt="o", color=colour, ms=4)
            floor = np.maximum(fit.floor[under], 1e-4)
            ax.plot(lb[under], floor * BITS, "v", mfc="none", color=colour, ms=6)
            label = name if ax is axes[0] else None
            _reference_markers(ax, cells, keep, colour)
            if math.isfinite(parameter) and keep.any():
                start = max(lb[keep].min(), 1.0 if model == "power" else 0.0)
                grid = np.linspace(start, lb.max(), 100)
                style = "-" if fit.model != "undetermined" else "--"
                ax.plot(grid, fit.predict(model, grid) * BITS, style, color=colour, label=label)
            else:
                ax.plot([], [], "o", color=colour, label=label)
    axes[0].plot([], [], "v", mfc="none", color="0.3", label="at noise floor (≤ 2 s.e.)")
    if "reference_rsmi" in summary and summary["reference_rsmi"].notna().any():
        axes[0].plot([], [], "s:", mfc="none", color="0.3", label="physical reference")
    for ax in axes:
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[1].set_xscale("log")
    ticks = sorted(v for v in summary["lb"].unique() if v >= 1)
    axes[1].set_xticks(ticks, [str(t) for t in ticks])
    axes[1].minorticks_off()
    axes[0].set_xlabel("buffer width $L_B$")
    axes[1].set_xlabel("buffer width $L_B$ (log)")
    axes[0].set_ylabel("mean RSMI, runs off the plateau [bits]")
    axes[0].set_title("semi-log: exponential = straight")
    axes[1].set_title("log-log: power law = straight")
    fig.suptitle(f"{title}: RSMI against buffer width")
    fig.legend(loc="outside right upper", fontsize="x-small")
    return save(fig, path)


def _reference_markers(ax: Axes, cells: pd.DataFrame, keep: np.ndarray, colour) -> None:
    """The best physical reference of each lb cell (the better of its held-out and plug-in
    values, as the efficiency reads it), open squares on a dotted line; nothing without one."""
    if "reference_rsmi" not in cells:
        return
    held_out, plugin = (cells[c].to_numpy(float) for c in ("reference_rsmi", "reference_plugin"))
    best = np.fmax(held_out, plugin)
    shown = keep & np.isfinite(best) & (best > 0)
    if shown.any():
        lb = cells["lb"].to_numpy(dtype=float)
        ax.plot(lb[shown], best[shown] * BITS, "s:", mfc="none", color=colour, ms=5)


def components(
    table: pd.DataFrame, control: str, title: str, *, path: str | Path | None = None
) -> Figure:
    """RSMI of the validation-best run against the number of components of H, one line per
    point, one panel per lb (Fig. 11); dotted lines at 1 and 2 bits (2 and 4 states).

    table: rows (point, lb, components) of :func:`rsmine.analysis.rsmi.summary.summarise`.
    """
    lbs = sorted(table["lb"].unique())
    ncols = min(3, len(lbs))
    nrows = math.ceil(len(lbs) / ncols)
    fig = Figure(figsize=(3.3 * ncols + 2, 3.0 * nrows + 0.8), layout="constrained")
    grid = fig.subplots(nrows, ncols, squeeze=False, sharey=True)
    axes = grid.ravel()
    for ax in axes[len(lbs) :]:
        ax.set_visible(False)
    points = table.sort_values("control")["point"].unique()
    for ax, lb in zip(axes, lbs, strict=False):
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
    for ax in grid[:, 0]:
        ax.set_ylabel("RSMI [bits]\n(line: validation-best run,\ndots: mean over runs)")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside right upper", fontsize="x-small")
    fig.suptitle(f"{title}: RSMI against the number of components")
    return save(fig, path)
