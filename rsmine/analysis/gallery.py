"""Drawing learned filters Λ: one panel per filter, and the filter gallery of a system.

:func:`draw_filter` draws one filter on a matplotlib axes in the geometry of its
lattice — a 1-D chain as bars, a 2-D square block as an image, a dimer bond-grid
block as its horizontal and vertical bonds (coloured segments; vertices and faces
carry no weight and are left out) — with a diverging colour map centred on 0.
:func:`filter_gallery` draws, per parameter point, the best runs' filters and the
sign- and order-aligned ensemble mean (:func:`rsmine.analysis.filters.align_filters`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from rsmine.analysis.figures import BITS
from rsmine.analysis.filters import align_filters
from rsmine.errors import InputError
from rsmine.stores.ensemble import counted, without_padding
from rsmine.stores.runs import PER_RUN, buffer_width, load_runs

CMAP = "RdBu_r"
"""Diverging colour map of filter weights: red positive, blue negative, white 0."""


def _norm(weights: np.ndarray, scale: float | None) -> Normalize:
    top = float(np.abs(weights).max()) if scale is None else float(scale)
    top = top if top > 0 else 1.0
    return Normalize(-top, top)


def _draw_chain(ax: Axes, weights: np.ndarray, norm: Normalize) -> None:
    sites = np.arange(weights.size)
    ax.bar(sites, weights, color=plt.get_cmap(CMAP)(norm(weights)), edgecolor="0.3", lw=0.5)
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
        shortened, colors=plt.get_cmap(CMAP)(norm(values)), linewidths=3.5, capstyle="butt"
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


@dataclass(frozen=True)
class FilterCell:
    """The runs of one parameter point and buffer width, as the gallery reads them.

    label: the row label (control value or store name).
    control: the control value (NaN for a runs store).
    filters: (run, component, ...V) float, failed runs removed.
    rsmi: (run,) test-part RSMI in nats.
    run_id: (run,) int.
    """

    label: str
    control: float
    filters: np.ndarray
    rsmi: np.ndarray
    run_id: np.ndarray


def _control_label(control: float, name: str) -> str:
    return f"{name} = {'∞' if math.isinf(control) else f'{control:.4g}'}"


def read_filter_cells(
    path: str | Path, lb: int | None = None, control: str = "control"
) -> tuple[str, int, list[FilterCell]]:
    """Filters of a runs or ensemble store, one cell per parameter point at one lb.

    lb: the buffer width of an ensemble store to read (default: its largest).
    control: the name of the control parameter in the row labels.
    An ensemble store's components sweep contributes only the runs of the component count
    most runs have (the one every point runs).
    Returns (lattice, lb, cells ordered by control value).
    """
    runs = load_runs(path, None, (*PER_RUN, "filters"))
    lattice = runs.lattice
    filters = runs["filters"].astype(np.float64)
    rsmi = runs["rsmi"].astype(np.float64)
    ok = ~runs.failed
    run_id = runs["run_id"]
    if runs.kind == "runs":
        store_lb = buffer_width(runs)
        if lb is not None and lb != store_lb:
            raise InputError(f"{path}: a runs store of lb {store_lb}, not {lb}")
        cell = FilterCell(Path(path).stem, math.nan, filters[ok], rsmi[ok], run_id[ok])
        return lattice, store_lb, [cell]
    lbs = runs["lb"]
    lb = int(lbs.max()) if lb is None else int(lb)
    if lb not in set(lbs.tolist()):
        raise InputError(f"{path}: no runs at lb {lb} (lb values: {sorted(set(lbs.tolist()))})")
    ok, _ = counted(runs, lb=lb, components="main")  # a sweep's other counts: out
    filters = without_padding(filters, ok)
    points, controls = runs["point"], runs["control"]
    cells = []
    for point in sorted(set(points[ok].tolist()), key=lambda p: controls[points == p][0]):
        take = (points == point) & ok
        value = float(controls[points == point][0])
        cells.append(
            FilterCell(
                _control_label(value, control), value, filters[take], rsmi[take], run_id[take]
            )
        )
    return lattice, lb, cells


def filter_gallery(
    lattice: str,
    cells: Sequence[FilterCell],
    title: str,
    samples: int = 3,
    path: str | Path | None = None,
) -> tuple[Figure, list[dict]]:
    """Rows: parameter points; columns: the ``samples`` best runs, then the aligned mean.

    Each run's components are sign- and order-aligned with the ensemble mean of its
    row (:func:`align_filters`) before drawing; every panel is scaled to its own
    max |Λ| (Λ is defined up to scale for the binary embedding). With several
    components, each column holds one panel per component.
    Returns the figure and a record per row: label, runs, drawn run ids, mean overlap.
    """
    if not cells:
        raise InputError(f"{title}: no filters to draw")
    if samples < 0:
        raise InputError(f"{title}: samples {samples}: expected a number of runs >= 0")
    samples = min(samples, max(len(cell.filters) for cell in cells))
    components = cells[0].filters.shape[1]
    columns = (samples + 1) * components
    fig, axes = plt.subplots(
        len(cells),
        columns,
        figsize=(1.35 * columns + 1.4, 1.35 * len(cells) + 0.9),
        squeeze=False,
        layout="constrained",
    )
    record = []
    for row, cell in zip(axes, cells, strict=True):
        for ax in row:
            ax.set_axis_off()
        row[0].set_axis_on()
        row[0].set_ylabel(cell.label, fontsize="small", rotation=0, ha="right", va="center")
        entry = {"label": cell.label, "control": cell.control, "runs": len(cell.filters)}
        record.append(entry | {"drawn": [], "overlap": math.nan})
        if len(cell.filters) == 0:
            row[0].text(0.5, 0.5, "no finished run", ha="center", va="center", fontsize="small")
            continue
        aligned = align_filters(cell.filters)
        best = np.argsort(-cell.rsmi, kind="stable")[:samples]
        shown = [
            *(
                (aligned.aligned[r], f"run {cell.run_id[r]}: {cell.rsmi[r] * BITS:.3g} bits")
                for r in best
            ),
            (aligned.mean, f"mean of {len(cell.filters)}"),
        ]
        for k, (weights, caption) in enumerate(shown):
            for c in range(weights.shape[0]):
                ax = row[(samples if k == len(shown) - 1 else k) * components + c]
                ax.set_axis_on()
                top = np.abs(weights[c]).max()
                draw_filter(ax, weights[c] / (top if top > 0 else 1.0), lattice)
                head = caption if c == 0 else ""
                ax.set_title(f"{head}\nH{c + 1}" if components > 1 else head, fontsize=6)
        record[-1] = entry | {
            "drawn": [int(cell.run_id[r]) for r in best],
            "overlap": float(aligned.overlap.mean()),
        }
    bar = fig.colorbar(
        ScalarMappable(norm=Normalize(-1, 1), cmap=CMAP), ax=axes, shrink=0.5, aspect=30
    )
    bar.set_label("Λ / max|Λ| (each panel)")
    fig.suptitle(title)
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=130)
    return fig, record
