"""The filter gallery's data: per parameter point, the best runs' filters and the mean.

:func:`read_filter_cells` reads the filters of a runs or ensemble store, one cell per
parameter point at one buffer width; :func:`gallery_rows` aligns each cell's runs
(:func:`rsmine.analysis.filters.alignment.align_filters`), picks its best runs by test
RSMI and averages it; :func:`gallery_table` is the record of what the gallery shows.
The drawing is :func:`rsmine.figures.filters.filter_gallery`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rsmine.analysis.filters.alignment import align_filters
from rsmine.errors import InputError
from rsmine.stores.ensemble import counted, without_padding
from rsmine.stores.runs import PER_RUN, buffer_width, load_runs


@dataclass(frozen=True)
class FilterCell:
    """The runs of one parameter point and buffer width, as the gallery reads them.

    label: the row label (control value or store name).
    control: the control value (NaN for a runs store).
    filters: (run, component, ...V) float, failed runs removed.
    rsmi: (run,) test-part RSMI in nats.
    rsmi_val: (run,) validation RSMI in nats (what ranks the runs: never the test part).
    run_id: (run,) int.
    """

    label: str
    control: float
    filters: np.ndarray
    rsmi: np.ndarray
    rsmi_val: np.ndarray
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
    rsmi_val = runs["rsmi_val"].astype(np.float64)
    ok = ~runs.failed
    run_id = runs["run_id"]
    if runs.kind == "runs":
        store_lb = buffer_width(runs)
        if lb is not None and lb != store_lb:
            raise InputError(f"{path}: a runs store of lb {store_lb}, not {lb}")
        cell = FilterCell(
            Path(path).stem, math.nan, filters[ok], rsmi[ok], rsmi_val[ok], run_id[ok]
        )
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
                _control_label(value, control),
                value,
                filters[take],
                rsmi[take],
                rsmi_val[take],
                run_id[take],
            )
        )
    return lattice, lb, cells


@dataclass(frozen=True)
class GalleryRow:
    """One row of the filter gallery: a parameter point's best runs and its aligned mean.

    label, control: those of its :class:`FilterCell`; runs: its finished runs.
    drawn: (k,) run ids of its k best runs by validation RSMI, best first (k <= samples;
    never ranked on the test part).
    rsmi: (k,) their test-part RSMI, nats.
    best: (k, component, ...V) their filters, sign- and order-aligned with the mean.
    mean: (component, ...V) the aligned mean over every run (NaN without runs).
    overlap: mean cosine overlap of the aligned runs with that mean (NaN without runs).
    """

    label: str
    control: float
    runs: int
    drawn: np.ndarray
    rsmi: np.ndarray
    best: np.ndarray
    mean: np.ndarray
    overlap: float


def _gallery_row(cell: FilterCell, samples: int) -> GalleryRow:
    runs = len(cell.filters)
    if runs == 0:
        nothing = np.full(cell.filters.shape[1:], math.nan)
        return GalleryRow(
            cell.label, cell.control, 0, cell.run_id, cell.rsmi, cell.filters, nothing, math.nan
        )
    aligned = align_filters(cell.filters)
    best = np.argsort(-cell.rsmi_val, kind="stable")[:samples]  # validation only
    return GalleryRow(
        cell.label,
        cell.control,
        runs,
        cell.run_id[best],
        cell.rsmi[best],
        aligned.aligned[best],
        aligned.mean,
        float(aligned.overlap.mean()),
    )


def gallery_rows(cells: Sequence[FilterCell], samples: int = 3) -> list[GalleryRow]:
    """One gallery row per cell: its ``samples`` best runs, aligned, and the aligned mean.

    Each cell's runs are sign- and order-aligned with the cell's ensemble mean
    (:func:`~rsmine.analysis.filters.alignment.align_filters`) before they are picked.
    """
    if not cells:
        raise InputError("filter gallery: no filters to draw")
    if samples < 0:
        raise InputError(f"filter gallery: samples {samples}: expected a number of runs >= 0")
    return [_gallery_row(cell, samples) for cell in cells]


def gallery_table(rows: Sequence[GalleryRow]) -> pd.DataFrame:
    """What the gallery shows, one line per row: label, control, runs, drawn (list of the
    drawn run ids), overlap (mean cosine overlap with the aligned mean)."""
    return pd.DataFrame(
        [
            {
                "label": row.label,
                "control": row.control,
                "runs": row.runs,
                "drawn": [int(run) for run in row.drawn],
                "overlap": row.overlap,
            }
            for row in rows
        ]
    )
