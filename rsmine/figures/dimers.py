"""Figures of dimers: the filter ensemble (Figs. 8 and 9a-f of the paper) and the height
field (Fig. 10).

The filter-ensemble figures take a :class:`~rsmine.analysis.dimers.projections.FilterEnsemble`
or one of the tables of :mod:`rsmine.analysis.dimers` (``projections``, ``u1``, ``pca``);
the height figure the tables of :mod:`rsmine.analysis.dimers.height_histograms`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyArrowPatch
from matplotlib.ticker import NullFormatter, ScalarFormatter

from rsmine.analysis.dimers.pca import EnsemblePCA, project_on_components
from rsmine.analysis.dimers.pristine import to_grid
from rsmine.analysis.dimers.projections import (
    DEFAULT_PEAKS,
    PLANES,
    SUBSPACES,
    FilterEnsemble,
    PeakSettings,
    count_peaks,
    project,
)
from rsmine.analysis.dimers.symmetry import ACTIONS, induced_matrix
from rsmine.figures.filters import draw_filter
from rsmine.figures.style import colours, control_axis, control_text, control_ticks, save

ACTION_COLOURS = {"C4": "tab:red", "Tx": "tab:purple", "Ty": "deepskyblue"}
"""Arrow colours of the symmetry actions, as in Fig. 9 of the paper."""
PLANE_LABELS = {
    "plaquette": ("$P_1$", "$P_2$"),
    "staggered": ("$E_x + E_y$", "$E_x - E_y$"),
}


def _symmetry_arrows(ax: Axes, plane: str, lv: int) -> None:
    """Arrows from ±(unit basis filters) of ``plane`` to their images under C4, Tx, Ty.

    A pair of points swapped by an action gets one double-headed arrow. Each
    action bends its arrows by its own amount (Ty the other way than Tx; half
    as much between opposite points), so actions joining the same pair of
    points stay apart.
    """
    starts = 0.8 * np.array([[1, 0], [0, 1], [-1, 0], [0, -1]], dtype=float)
    for action, bend in zip(ACTIONS, (0.15, 0.45, -0.45), strict=True):
        matrix = induced_matrix(action, PLANES[plane], lv)
        drawn: set[tuple[float, ...]] = set()
        for start in starts:
            end = matrix @ start
            swap = np.allclose(matrix @ end, start)
            key = tuple(np.round(np.concatenate([start, end]), 6))
            if np.allclose(end, start) or key in drawn:
                continue
            drawn.add(tuple(np.round(np.concatenate([end, start]), 6)))
            through_origin = np.allclose(end, -start)
            ax.add_patch(
                FancyArrowPatch(
                    tuple(start),
                    tuple(end),
                    connectionstyle=f"arc3,rad={bend / 2 if through_origin else bend}",
                    arrowstyle="<|-|>" if swap else "-|>",
                    mutation_scale=8,
                    lw=0.8,
                    color=ACTION_COLOURS[action],
                    alpha=0.8,
                    shrinkA=4,
                    shrinkB=4,
                )
            )


def projection_histograms(
    ensemble: FilterEnsemble,
    temperatures: Sequence[float],
    settings: PeakSettings = DEFAULT_PEAKS,
    *,
    path: str | Path | None = None,
) -> Figure:
    """2-D histograms of the unit filters projected on (P1, P2) (top) and (Ex+Ey, Ex−Ey) (bottom).

    One column per temperature; every filter component of every run is a point.
    Crosses mark the peaks of :func:`~rsmine.analysis.dimers.projections.count_peaks`;
    arrows show the induced actions of C4 (red), Tx (purple), Ty (blue).
    """
    temps = list(temperatures)
    fig = Figure(figsize=(2.6 * len(temps) + 0.8, 5.6), layout="constrained")
    axes = fig.subplots(2, len(temps), squeeze=False)
    edges = np.linspace(-1, 1, settings.bins + 1)
    for row, plane in enumerate(PLANES):
        for col, temperature in enumerate(temps):
            ax = axes[row, col]
            points = project(ensemble.at(temperature), plane, ensemble.lv).reshape(-1, 2)
            hist, _, _ = np.histogram2d(points[:, 0], points[:, 1], bins=[edges, edges])
            image = ax.pcolormesh(
                edges, edges, np.ma.masked_equal(hist.T, 0), cmap="viridis", norm=LogNorm(vmin=1)
            )
            peaks = count_peaks(points, settings)
            ax.plot(peaks[:, 0], peaks[:, 1], "x", color="tab:orange", ms=7, mew=1.5)
            ax.add_patch(Circle((0, 0), 1, fill=False, lw=0.5, color="0.6"))
            _symmetry_arrows(ax, plane, ensemble.lv)
            ax.set_aspect("equal")
            ax.set_xlim(-1.05, 1.05)
            ax.set_ylim(-1.05, 1.05)
            ax.set_xlabel(PLANE_LABELS[plane][0])
            ax.set_ylabel(PLANE_LABELS[plane][1])
            ax.set_title(
                f"T = {control_text(temperature)}: {len(points)} filters, peaks: {len(peaks)}",
                fontsize="small",
            )
        bar = fig.colorbar(image, ax=axes[row, :], label="filters per bin", shrink=0.8)
        bar.ax.yaxis.set_major_formatter(ScalarFormatter())
        bar.ax.yaxis.set_minor_formatter(NullFormatter())
    handles = [Line2D([], [], color=c, label=a) for a, c in ACTION_COLOURS.items()]
    handles.append(Line2D([], [], ls="", marker="x", color="tab:orange", label="peak"))
    fig.legend(handles=handles, loc="outside upper center", ncols=4, fontsize="small")
    return save(fig, path)


def pristine_overlap(
    table: pd.DataFrame, t_bkt: float, *, path: str | Path | None = None
) -> Figure:
    """Share of the filter norm in span{P1, P2}, span{Ex, Ey}, span{C} against temperature.

    table: :func:`~rsmine.analysis.dimers.projections.overlap_table`; error bars are
    standard errors over runs; the dashed line marks T_BKT.
    """
    fig = Figure(figsize=(6.0, 4.0), layout="constrained")
    ax = fig.subplots()
    x, axis = control_axis(ax, table["T"].to_numpy(dtype=float), "temperature T", True)
    labels = {"P": "span{$P_1, P_2$}", "E": "span{$E_x, E_y$}", "C": "span{$C$}"}
    for key in SUBSPACES:
        ax.errorbar(
            x,
            table[f"{key}_mean"],
            yerr=table[f"{key}_sem"],
            fmt="o-",
            ms=3,
            capsize=2,
            label=labels[key],
        )
    ax.axvline(t_bkt, color="0.5", ls="--", lw=0.8, label="$T_{BKT}$")
    control_ticks(ax, axis)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of the filter's squared norm")
    ax.set_title("overlap of RSMI-optimal filters with pristine subspaces")
    ax.legend(fontsize="small")
    return save(fig, path)


def ensemble_pca(
    ensemble: FilterEnsemble, result: EnsemblePCA, *, path: str | Path | None = None
) -> Figure:
    """Sign-free PCA of the filter ensemble in a temperature window (Fig. 8).

    Left: explained-variance ratio of the leading components. Middle: the top
    four principal axes drawn on the block's bonds. Right: every filter of the
    ensemble (all temperatures) projected on the top two axes, coloured by T.
    """
    fig = Figure(figsize=(13.0, 4.2), layout="constrained")
    left, middle, right = fig.subfigures(1, 3, width_ratios=[1.0, 1.0, 1.25])
    ax = left.subplots()
    shown = min(12, len(result.explained))
    ax.bar(np.arange(1, shown + 1), result.explained[:shown], color="tab:blue")
    ax.set_xlabel("principal component")
    ax.set_ylabel("explained variance ratio")
    ax.set_xticks(np.arange(1, shown + 1))
    low, high = result.window
    ax.set_title(f"{result.filters} filters, {low:g} < T < {high:g}", fontsize="small")
    axes = middle.subplots(2, 2)
    for k, cell in enumerate(axes.flat):
        if k >= len(result.components):  # fewer filters than four components
            cell.set_axis_off()
            continue
        lines = draw_filter(cell, to_grid(result.components[k]), "dimer_grid")
        cell.set_title(f"PC{k + 1} ({100 * result.explained[k]:.0f}%)", fontsize="small")
    middle.colorbar(lines, ax=axes, shrink=0.7, label="bond weight")
    angles = ", ".join(
        f"∠(PC1-2, {key}) = {a[0]:.0f}°, {a[1]:.0f}°" for key, a in result.angles.items()
    )
    middle.suptitle(angles, fontsize="small")
    ax = right.subplots()
    xy = project_on_components(ensemble.vectors, result)
    temps = np.repeat(ensemble.control, ensemble.vectors.shape[1])
    finite = np.isfinite(temps)
    top = temps[finite].max() if finite.any() else 1.0
    shown_t = np.where(finite, temps, 2 * top)
    points = ax.scatter(
        xy[..., 0].ravel(),
        xy[..., 1].ravel(),
        c=shown_t,
        s=6,
        cmap="plasma",
        norm=LogNorm(shown_t.min(), shown_t.max()),
    )
    bar = right.colorbar(points, ax=ax, label="temperature T")
    ticks = np.unique(shown_t)
    bar.ax.yaxis.set_minor_formatter(NullFormatter())
    bar.set_ticks(ticks, labels=[control_text(t) for t in np.unique(temps)])
    ax.set_aspect("equal")
    ax.set_xlabel("PC1 coordinate")
    ax.set_ylabel("PC2 coordinate")
    ax.set_title("all filters on the top two axes", fontsize="small")
    return save(fig, path)


def u1_uniformity(table: pd.DataFrame, t_bkt: float, *, path: str | Path | None = None) -> Figure:
    """Uniformity of the filter angle in the (Ex+Ey, Ex−Ey) plane against temperature.

    table: :func:`~rsmine.analysis.dimers.u1.u1_table`. Top: mean resultant lengths
    R4, R8 (0 for uniform angles, 1 for four / eight sharp peaks). Bottom: the
    p-value of uniformity (harmonics 4 and 8); below the 5 % line the ensemble
    has discrete lattice structure, above it no departure from U(1) is seen.
    """
    fig = Figure(figsize=(6.0, 5.5), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    x, axis = control_axis(bottom, table["T"].to_numpy(dtype=float), "temperature T", True)
    top.plot(x, table["R4"], "o-", ms=3, label="$R_4 = |\\langle e^{4i\\theta}\\rangle|$")
    top.plot(x, table["R8"], "s-", ms=3, label="$R_8 = |\\langle e^{8i\\theta}\\rangle|$")
    top.set_ylim(0, 1)
    top.set_ylabel("mean resultant length")
    top.legend(fontsize="small")
    for xi, n in zip(x, table["n"], strict=True):
        top.annotate(f"n={n}", (xi, 0.97), fontsize="x-small", ha="center", va="top")
    p = np.clip(table["p"].to_numpy(dtype=float), 1e-300, 1)
    bottom.plot(x, p, "o-", ms=3, color="tab:green")
    bottom.update_datalim(np.column_stack([x, np.ones_like(x)]), updatey=False)
    bottom.autoscale_view(scaley=False)  # every T on the axis, with or without a test
    bottom.set_yscale("log")
    bottom.set_ylim(min(1e-3, np.nanmin(p, initial=1.0) / 3), 2.0)
    bottom.axhline(0.05, color="tab:red", lw=0.8, ls=":", label="p = 0.05")
    for ax in (top, bottom):
        ax.axvline(t_bkt, color="0.5", ls="--", lw=0.8, label="$T_{BKT}$" if ax is bottom else None)
    bottom.set_ylabel("p-value of uniform θ")
    bottom.legend(fontsize="small")
    control_ticks(bottom, axis)
    top.set_title("emergent U(1): angle θ in the ($E_x+E_y$, $E_x-E_y$) plane")
    return save(fig, path)


def height_histograms(
    tables: Mapping[str, pd.DataFrame], *, path: str | Path | None = None
) -> Figure:
    """One panel per block side: histograms of φ_b mod 2π, one line per temperature.

    tables: label (e.g. "T=0.3") ->
    :func:`~rsmine.analysis.dimers.height_histograms.phase_histograms` table.
    """
    blocks = sorted(next(iter(tables.values()))["block"].unique())
    fig = Figure(figsize=(3.6 * len(blocks), 3.4), layout="constrained")
    axes = fig.subplots(1, len(blocks), squeeze=False)
    for ax, b in zip(axes[0], blocks, strict=True):
        for colour, (label, table) in zip(
            colours("plasma", len(tables), top=0.8), tables.items(), strict=True
        ):
            rows = table[table["block"] == b]
            lock = rows["lock"].iloc[0]
            ax.stairs(
                rows["density"],
                [*rows["lo"], rows["hi"].iloc[-1]],
                color=colour,
                lw=1.4,
                label=f"{label}  ⟨cos 4φ⟩={lock:+.2f}",
            )
        ax.set_xticks(
            np.arange(0, 9) * math.pi / 4,
            ["0", "π/4", "π/2", "3π/4", "π", "5π/4", "3π/2", "7π/4", "2π"],
            fontsize="small",
        )
        ax.set_xlim(rows["lo"].iloc[0], rows["hi"].iloc[-1])
        ax.set_ylim(0, 1.45 * ax.get_ylim()[1])  # room for the legend above the bars
        ax.set_xlabel("φ mod 2π [rad]" if b == 1 else f"⟨φ⟩ over {b}×{b} faces, mod 2π [rad]")
        ax.set_ylabel("probability density [1/rad]")
        ax.set_title("lattice height φ (every T alike)" if b == 1 else f"block average, {b}×{b}")
        ax.legend(fontsize="x-small", loc="upper right")
    return save(fig, path)
