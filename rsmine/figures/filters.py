"""Figures of learned filters Λ: one filter in its lattice's geometry, and the gallery.

:func:`draw_filter` draws one filter on a matplotlib axes in the geometry of its
lattice — a 1-D chain as bars, a 2-D square block as an image, a dimer bond-grid
block as its horizontal and vertical bonds (coloured segments; vertices and faces
carry no weight and are left out) — with a diverging colour map centred on 0.
:func:`filter_gallery` draws the rows of :func:`rsmine.analysis.filters.gallery.gallery_rows`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from rsmine.analysis.filters.gallery import GalleryRow
from rsmine.errors import InputError
from rsmine.figures.style import BITS, save

CMAP = "RdBu_r"
"""Diverging colour map of filter weights: red positive, blue negative, white 0."""


def _norm(weights: np.ndarray, scale: float | None) -> Normalize:
    top = float(np.abs(weights).max()) if scale is None else float(scale)
    top = top if top > 0 else 1.0
    return Normalize(-top, top)


def _draw_chain(ax: Axes, weights: np.ndarray, norm: Normalize) -> None:
    sites = np.arange(weights.size)
    ax.bar(sites, weights, color=matplotlib.colormaps[CMAP](norm(weights)), edgecolor="0.3", lw=0.5)
    ax.axhline(0.0, color="0.3", lw=0.5)
    ax.set_ylim(norm.vmin * 1.05, norm.vmax * 1.05)
    ax.set_xticks([0, weights.size - 1])
    ax.set_yticks([norm.vmin, 0, norm.vmax], [f"{norm.vmin:.2g}", "0", f"{norm.vmax:.2g}"])
    ax.tick_params(labelsize="x-small")


def _draw_square(ax: Axes, weights: np.ndarray, norm: Normalize) -> None:
    ax.imshow(weights, cmap=CMAP, norm=norm, interpolation="nearest")
    ax.set_frame_on(False)
    ax.set_xticks([])
    ax.set_yticks([])


def bond_segments(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Bond positions of a dimer bond-grid block and their segments in (x, y) grid units.

    shape: (rows, columns) of the block, starting at an even offset (DESIGN.md bond grid).
    Returns (positions (B, 2) int: grid (row, column) of each bond,
    segments (B, 2, 2) float: the two end vertices (x = column, y = row) of each bond).
    A horizontal bond at (2i, 2j+1) joins vertices at columns 2j and 2j+2 of row 2i;
    a vertical bond at (2i+1, 2j) joins rows 2i and 2i+2 of column 2j.
    """
    rows, cols = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), indexing="ij")
    bond = (rows + cols) % 2 == 1
    positions = np.stack([rows[bond], cols[bond]], axis=-1)
    r, c = positions[:, 0].astype(float), positions[:, 1].astype(float)
    horizontal = positions[:, 0] % 2 == 0
    start = np.stack([np.where(horizontal, c - 1, c), np.where(horizontal, r, r - 1)], axis=-1)
    end = np.stack([np.where(horizontal, c + 1, c), np.where(horizontal, r, r + 1)], axis=-1)
    return positions, np.stack([start, end], axis=1)


def _draw_bonds(ax: Axes, weights: np.ndarray, norm: Normalize) -> None:
    positions, segments = bond_segments(weights.shape)
    values = weights[positions[:, 0], positions[:, 1]]
    middle = segments.mean(axis=1, keepdims=True)
    shortened = middle + 0.7 * (segments - middle)  # a gap at each vertex
    lines = LineCollection(
        shortened, colors=matplotlib.colormaps[CMAP](norm(values)), linewidths=3.5, capstyle="butt"
    )
    ax.add_collection(lines)
    rows, cols = weights.shape
    ax.set_frame_on(False)
    ax.set_xlim(-0.8, cols + 0.8)
    ax.set_ylim(rows + 0.8, -0.8)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


DRAW = {"chain": _draw_chain, "square": _draw_square, "dimer_grid": _draw_bonds}
"""Drawing of one filter by lattice kind (rsmine.estimator.lattices.KINDS, but for 3-D)."""


def draw_filter(
    ax: Axes, weights: np.ndarray, layout: str, scale: float | None = None
) -> ScalarMappable:
    """Draw one filter Λ on ``ax`` in the geometry of its lattice.

    weights: the filter over V: (lv,) for ``chain``, (lv, lv) for ``square`` and
        ``dimer_grid`` (the bond grid of DESIGN.md; only bond positions, row + column
        odd, are drawn, as segments between the vertices they join).
    layout: ``chain`` (bars), ``square`` (image) or ``dimer_grid`` (bonds).
    scale: weights are coloured on [-scale, scale] (default: max |weights|).
    Returns the colour mapping, for a colour bar.
    """
    weights = np.asarray(weights, dtype=float)
    expected = 1 if layout == "chain" else 2
    if layout not in DRAW or weights.ndim != expected:
        raise InputError(
            f"draw_filter: layout {layout!r} with weights of shape {weights.shape}; expected "
            "chain (lv,), square (lv, lv) or dimer_grid (lv, lv)"
        )
    norm = _norm(weights, scale)
    DRAW[layout](ax, weights, norm)
    return ScalarMappable(norm=norm, cmap=CMAP)


def filter_gallery(
    lattice: str, rows: Sequence[GalleryRow], title: str, *, path: str | Path | None = None
) -> Figure:
    """Rows: parameter points; columns: the best runs, then the aligned mean.

    rows: :func:`~rsmine.analysis.filters.gallery.gallery_rows` (runs already aligned
    with their row's mean); lattice: the filters' layout (:func:`draw_filter`). Every
    panel is scaled to its own max |Λ| (Λ is defined up to scale for the binary
    embedding). With several components, each column holds one panel per component.
    """
    samples = max(len(row.drawn) for row in rows)
    components = rows[0].best.shape[1]
    columns = (samples + 1) * components
    fig = Figure(figsize=(1.35 * columns + 1.4, 1.35 * len(rows) + 0.9), layout="constrained")
    axes = fig.subplots(len(rows), columns, squeeze=False)
    for panels, row in zip(axes, rows, strict=True):
        for ax in panels:
            ax.set_axis_off()
        panels[0].set_axis_on()
        panels[0].set_ylabel(row.label, fontsize="small", rotation=0, ha="right", va="center")
        if row.runs == 0:
            panels[0].text(0.5, 0.5, "no finished run", ha="center", va="center", fontsize="small")
            continue
        shown = [
            *(
                (weights, f"run {run}: {rsmi * BITS:.3g} bits")
                for weights, run, rsmi in zip(row.best, row.drawn, row.rsmi, strict=True)
            ),
            (row.mean, f"mean of {row.runs}"),
        ]
        for k, (weights, caption) in enumerate(shown):
            for c in range(weights.shape[0]):
                ax = panels[(samples if k == len(shown) - 1 else k) * components + c]
                ax.set_axis_on()
                top = np.abs(weights[c]).max()
                draw_filter(ax, weights[c] / (top if top > 0 else 1.0), lattice)
                head = caption if c == 0 else ""
                ax.set_title(f"{head}\nH{c + 1}" if components > 1 else head, fontsize=6)
    bar = fig.colorbar(
        ScalarMappable(norm=Normalize(-1, 1), cmap=CMAP), ax=axes, shrink=0.5, aspect=30
    )
    bar.set_label("Λ / max|Λ| (each panel)")
    fig.suptitle(title)
    return save(fig, path, dpi=130)
