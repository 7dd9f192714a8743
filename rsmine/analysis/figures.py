"""Figures of RSMI ensembles: one function per figure, matplotlib (Agg), bits on the axes.

Each function takes the summary table of :func:`rsmine.analysis.ensembles.summarise`
(RSMI in nats), returns the figure, and saves it when ``path`` is given. ``mark``
(from :func:`transition_mark`) draws the model's known transition on the control axis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, NullFormatter

from rsmine.errors import InputError
from rsmine.systems import SYSTEMS

BITS = 1.0 / math.log(2.0)
"""Bits per nat."""


@dataclass(frozen=True)
class Mark:
    """A known transition on the control axis of a model.

    value: its control value; error: half-width of its uncertainty (0: exact);
    label: legend text; log_axis: whether that model's control axis reads best on a
    log scale (temperatures and rates spanning decades: dimers, chipping).
    """

    value: float
    error: float
    label: str
    log_axis: bool = False


TRANSITIONS: dict[str, Mark] = {
    name: Mark(s.transition.value, s.transition.error, s.transition.label, s.log_axis)
    for name, s in SYSTEMS.items()
    if s.transition is not None
}
"""Known transition of each model in its control variable (rsmine.systems; Ising: Tc/T = 1)."""


def transition_mark(model: str | None) -> Mark | None:
    """The known transition of ``model`` on its control axis, or None if there is none."""
    return TRANSITIONS.get(model or "")


def standard_error(table: pd.DataFrame) -> pd.Series:
    """Standard error of the mean RSMI of each row: std / sqrt(runs) (NaN below 2 runs)."""
    return table["std"] / np.sqrt(table["runs"].where(table["runs"] > 1))


def _positions(values: np.ndarray, log: bool | None) -> tuple[np.ndarray, bool, float | None]:
    """x positions for control values: inf placed a gap beyond the largest finite value.

    log: log scale or not; None: log when every finite value is positive and they
    span more than a factor 20.
    Returns (positions, log scale?, position of inf or None).
    """
    finite = values[np.isfinite(values)]
    positive = bool(finite.size and finite.min() > 0)
    auto = positive and finite.max() / finite.min() > 20
    log = positive and (auto if log is None else log)
    if not np.isinf(values).any():
        return values.astype(float), log, None
    top = float(finite.max()) if finite.size else 1.0
    span = top - float(finite.min()) if finite.size else 0.0
    at_inf = top * 2.5 if log else top + max(span * 0.25, abs(top) * 0.5, 0.5)
    return np.where(np.isinf(values), at_inf, values).astype(float), log, at_inf


def _control_axis(
    ax, values: np.ndarray, label: str, log: bool | None
) -> tuple[np.ndarray, tuple[np.ndarray, bool, float | None]]:
    """Set up ax's x axis for control values: x positions (:func:`_positions`), the scale,
    and the label (marked when logarithmic). Returns (positions, the state to pass to
    :func:`_control_ticks` once the figure is drawn)."""
    positions, log, at_inf = _positions(values, log)
    if log:
        ax.set_xscale("log")
    ax.set_xlabel(label + ("  (log scale)" if log else ""))
    return positions, (values, log, at_inf)


def _control_ticks(ax, values: np.ndarray, log: bool, at_inf: float | None) -> None:
    """Readable control ticks: on a log axis the values themselves (up to 8 of them) or
    1-2-5 ticks; inf labelled ∞ behind a grey break."""
    if log:
        ax.set_xscale("log")
    low, high = ax.get_xlim()
    gap = None
    if at_inf is not None:
        gap = at_inf / 1.6 if log else at_inf - 0.5 * (at_inf - low) / 2
    if log:
        finite = np.unique(values[np.isfinite(values)])
        if len(finite) <= 8:
            ticks = list(finite)
        else:
            decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
            ticks = [m * 10.0**d for d in decades for m in (1, 2, 5)]
        ticks = [t for t in ticks if low <= t <= (gap or high)]
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.xaxis.set_minor_formatter(NullFormatter())
    if at_inf is None:
        return
    ticks = [t for t in ax.get_xticks() if low <= t <= gap]
    ax.set_xticks([*ticks, at_inf], [f"{t:g}" for t in ticks] + ["∞"])
    ax.minorticks_off()
    ax.set_xlim(low, high)
    ax.axvspan(gap, (gap * at_inf) ** 0.5 if log else (gap + at_inf) / 2, color="0.93", lw=0)


def _mark_transition(ax, mark: Mark | None) -> list:
    """Draw the known transition as a dashed line (and its uncertainty band); legend handles."""
    if mark is None:
        return []
    ax.axvline(mark.value, color="crimson", ls="--", lw=1, zorder=1)
    if mark.error > 0:
        ax.axvspan(mark.value - mark.error, mark.value + mark.error, color="crimson", alpha=0.12)
    return [Line2D([], [], color="crimson", ls="--", lw=1, label=mark.label)]


def _save(fig: Figure, path: str | Path | None) -> Figure:
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=150)
    return fig


def rsmi_vs_control(
    table: pd.DataFrame,
    control: str,
    title: str,
    path: str | Path | None = None,
    mark: Mark | None = None,
) -> Figure:
    """RSMI against the control parameter, one colour per buffer width lb.

    Per lb: the line is the maximum over runs (the paper's maximal RSMI, Figs. 3a,
    5a, 12b), the band the interquartile range over runs, the dots the mean with
    error bars of one standard error. The legend says so on the figure.
    table: rows (point, lb) with columns control, lb, runs, max, q25, q75, mean, std (nats).
    """
    fig, ax = plt.subplots(figsize=(7.6, 4.2), layout="constrained")
    values = table["control"].to_numpy(dtype=float)
    x_all, log, at_inf = _positions(values, mark.log_axis if mark else None)
    table = table.assign(x=x_all, se=standard_error(table))
    colours = plt.get_cmap("viridis")(np.linspace(0, 0.85, table["lb"].nunique()))
    handles = []
    for colour, (lb, rows) in zip(colours, table.groupby("lb"), strict=True):
        rows = rows.sort_values("x")
        finite = rows[np.isfinite(rows["control"])]  # no line across the break before ∞
        ax.plot(finite["x"], finite["max"] * BITS, "_-", color=colour, lw=1.5, ms=10, mew=1.5)
        ax.fill_between(
            finite["x"], finite["q25"] * BITS, finite["q75"] * BITS, color=colour, alpha=0.3, lw=0
        )
        infinite = rows[~np.isfinite(rows["control"])]
        ax.plot(infinite["x"], infinite["max"] * BITS, "_", color=colour, ms=10, mew=1.5)
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
        Line2D([], [], color="0.3", lw=1.5, marker="_", ms=10, label="max over runs"),
        Patch(color="0.3", alpha=0.3, label="interquartile range"),
        Line2D([], [], color="0.3", marker="o", ms=3, ls="", label="mean ± 1 s.e."),
    ]
    handles += _mark_transition(ax, mark)
    _control_ticks(ax, values, log, at_inf)
    ax.set_xlabel(control + ("  (log scale)" if log else ""))
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
    return _save(fig, path)


def noise_flags(table: pd.DataFrame) -> pd.Series:
    """True where a row's RSMI is indistinguishable from 0: max ≤ 0, or mean < 2 s.e."""
    se = standard_error(table).fillna(0.0)
    return (table["max"] <= 0) | (table["mean"] - 2 * se <= 0)


def rsmi_vs_buffer(
    table: pd.DataFrame,
    control: str,
    title: str,
    path: str | Path | None = None,
    mark: Mark | None = None,
) -> Figure:
    """Maximal RSMI against the buffer width lb, one line per point (Fig. 3b, Fig. 6).

    Logarithmic RSMI axis: exponential decay with lb is a straight line. Rows whose
    RSMI is indistinguishable from 0 (:func:`noise_flags`) are drawn as open
    triangles on the noise floor, the grey band: below the smallest RSMI that is
    distinguishable from 0 in this table (or the largest flagged max, if higher).
    table: rows (point, lb) with columns point, control, lb, runs, max, mean, std in nats.
    mark: unused (the control is not on an axis); accepted like the other figures.
    Refuses a table with a single lb: a buffer scan needs at least two.
    """
    del mark
    if table["lb"].nunique() < 2:
        raise InputError(
            f"{title}: RSMI against the buffer width needs at least two lb values, "
            f"got {sorted(table['lb'].unique().tolist())}"
        )
    fig, ax = plt.subplots(figsize=(7.6, 4.2), layout="constrained")
    flagged = noise_flags(table)
    resolved = table.loc[~flagged, "max"]
    floor_candidates = table.loc[flagged & (table["max"] > 0), "max"]
    floor = max(
        float(resolved.min()) / 2 if len(resolved) else 1e-3,
        float(floor_candidates.max()) if len(floor_candidates) else 0.0,
    )
    points = table.sort_values("control")["point"].unique()
    colours = plt.get_cmap("plasma")(np.linspace(0, 0.85, len(points)))
    for colour, point in zip(colours, points, strict=True):
        rows = table[table["point"] == point].sort_values("lb")
        low = flagged[rows.index]
        value = rows["control"].iloc[0]
        label = f"{control} = {'∞' if np.isinf(value) else f'{value:.4g}'}"
        y = np.where(low, floor, rows["max"]) * BITS
        ax.plot(rows["lb"], y, "-", color=colour, lw=1, alpha=0.8)
        ax.plot(rows["lb"][~low], y[~low], "o", color=colour, ms=4, label=label)
        ax.plot(rows["lb"][low], y[low], "v", mfc="none", color=colour, ms=6)
    ax.set_yscale("log")
    if flagged.any():
        ax.axhspan(ax.get_ylim()[0] * 0.5, floor * BITS, color="0.88", lw=0, zorder=0)
        ax.plot([], [], "v", mfc="none", color="0.3", label="≈ 0: at or below noise floor")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("buffer width $L_B$")
    ax.set_ylabel("max RSMI over runs [bits]")
    ax.set_title(title)
    ax.legend(
        fontsize="x-small", loc="upper left", bbox_to_anchor=(1, 1), ncols=1 + len(points) // 12
    )
    return _save(fig, path)


FIGURES = {"rsmi_vs_control": rsmi_vs_control, "rsmi_vs_buffer": rsmi_vs_buffer}
"""Figure functions by name, for the workflow's figure rules."""
