"""RSMI summary of an ensemble: per point, lb and component count, over its runs (nats).

:func:`summarise` reduces an ensemble store (:mod:`rsmine.analysis.ensembles`) to one
row per (point, lb, components) cell: successful and failed runs, mean, standard
deviation, quantiles of the test-part RSMI, and the test RSMI of the run with the highest
validation RSMI (the paper's maximal RSMI, chosen without looking at the test part).
The table is written to CSV with the unit in every RSMI column's name and read back
by the later analyses (transition, scaling, figures).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from rsmine.analysis.ensembles import COORDINATES, read_ensemble
from rsmine.analysis.tables import write_csv
from rsmine.errors import InputError

QUANTILES = {"q05": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "q95": 0.95}
"""Quantiles of the RSMI over runs in the summary table, by column name."""


def _cell_summary(cell: pd.DataFrame) -> dict[str, float]:
    ok = cell[~cell["failed"].astype(bool)]
    rsmi = ok["rsmi"].to_numpy(dtype=np.float64)
    stats = {"runs": len(ok), "failed": int(len(cell) - len(ok))}
    if len(rsmi) == 0:
        return stats | {k: math.nan for k in ("mean", "std", "best", *QUANTILES, "best_run")}
    best = int(np.argmax(ok["rsmi_val"].to_numpy(dtype=np.float64)))  # validation only
    stats |= {
        "mean": float(rsmi.mean()),
        "std": float(rsmi.std(ddof=1)) if len(rsmi) > 1 else math.nan,
        "best": float(rsmi[best]),
        "best_run": int(ok["run_id"].to_numpy()[best]),
    }
    stats |= {name: float(np.quantile(rsmi, q)) for name, q in QUANTILES.items()}
    return stats


def summarise(path: str | Path, components: int | None = None) -> pd.DataFrame:
    """Test-part RSMI (nats) per point, lb and component count over the runs of an ensemble.

    components: keep only the runs trained with this many components (all when None).
    Columns: point, control, lb, components, runs (successful), failed (excluded
    from the statistics), mean, std (ddof 1), best (the test RSMI of best_run, the run with
    the highest validation RSMI: nothing is selected on the test part), best_run,
    q05, q25, median, q75, q95. Rows are ordered by components, lb, then control value.
    """
    frame = read_ensemble(path)
    if components is not None:
        frame = frame[frame["components"] == components]
        if frame.empty:
            raise InputError(f"{path}: no runs trained with {components} components")
    keys = ["point", *COORDINATES]
    rows = [
        dict(zip(keys, key, strict=True)) | _cell_summary(cell)
        for key, cell in frame.groupby(keys, sort=False)
    ]
    columns = [
        "point",
        *COORDINATES,
        "runs",
        "failed",
        "mean",
        "std",
        "best",
        "best_run",
        *QUANTILES,
    ]
    table = pd.DataFrame(rows, columns=columns)
    order = ["components", "lb", "control"]
    return table.sort_values(order, kind="stable").reset_index(drop=True)


CSV_NAMES = {
    "mean": "rsmi_mean_nats",
    "std": "rsmi_std_nats",
    "best": "rsmi_best_nats",
    **{name: f"rsmi_{name}_nats" for name in QUANTILES},
}
"""Columns of the summary table renamed in its CSV file, so that each names its unit."""


def write_summary_csv(table: pd.DataFrame, path: str | Path) -> Path:
    """Write a :func:`summarise` table as CSV: units in the column names, 4 significant digits."""
    return write_csv(table, path, CSV_NAMES)


def read_summary_csv(path: str | Path) -> pd.DataFrame:
    """Read a table of :func:`write_summary_csv` back with the column names of :func:`summarise`."""
    table = pd.read_csv(path)
    back = {csv: name for name, csv in CSV_NAMES.items()}
    missing = sorted(set(back) - set(table.columns))
    if missing:
        raise InputError(f"{path}: summary table lacks columns {missing}")
    return table.rename(columns=back)


def components_sweep(path: str | Path) -> pd.DataFrame:
    """The summary (:func:`summarise`) of the (point, lb) cells run at several component
    counts, one row per count; empty when the ensemble holds no components sweep."""
    table = summarise(path)
    counts = table.groupby(["point", "lb"])["components"].transform("nunique")
    return table[counts > 1].reset_index(drop=True)


def standard_error(table: pd.DataFrame) -> pd.Series:
    """Standard error of the mean RSMI of each row: std / sqrt(runs) (NaN below 2 runs)."""
    return table["std"] / np.sqrt(table["runs"].where(table["runs"] > 1))


def noise_flags(table: pd.DataFrame) -> pd.Series:
    """True where a row's RSMI is indistinguishable from 0: best ≤ 0, or mean < 2 s.e."""
    se = standard_error(table).fillna(0.0)
    return (table["best"] <= 0) | (table["mean"] - 2 * se <= 0)
