"""RSMI summary of an ensemble: per point, lb and component count, over its runs (nats).

:func:`summarise` reduces an ensemble store (:mod:`rsmine.analysis.ensembles`) to one
row per (point, lb, components) cell: successful and failed runs, mean, standard
deviation, quantiles of the test-part RSMI, and the test RSMI of the run with the highest
validation RSMI (the paper's maximal RSMI, chosen without looking at the test part), the
mean over the runs that left the initial plateau (:func:`left_plateau`, decided on the
validation part), and,
where the ensemble holds references (``rsmine optimise --references true``), the best
physical reference beside it (:func:`best_reference`) and the efficiency.
The table is written to CSV with the unit in every RSMI column's name and read back
by the later analyses (transition, scaling, figures).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rsmine.analysis.ensembles import COORDINATES, run_table
from rsmine.analysis.tables import write_csv
from rsmine.errors import InputError
from rsmine.stores.ensemble import read_ensemble

QUANTILES = {"q05": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "q95": 0.95}
"""Quantiles of the RSMI over runs in the summary table, by column name."""
LEFT_SIGMAS = 2.0
"""A run left the initial plateau when its validation RSMI exceeds this many of its held-out
standard errors (``rsmi_se``; validation and test parts are the same size)."""
LEFT_COLUMNS = ("left", "left_mean", "left_std")
"""Columns of the runs that left the plateau (absent from tables written before them)."""
REFERENCE_COLUMNS = ("reference", "reference_rsmi", "reference_plugin", "efficiency")
"""Columns of the best physical reference, after the summary's others (NaN without one)."""


def left_plateau(runs: pd.DataFrame) -> np.ndarray:
    """(n,) bool: which runs (rows with rsmi_val and, where the store has it, rsmi_se) left the
    initial plateau: validation RSMI above LEFT_SIGMAS held-out standard errors (above 0
    without rsmi_se). Decided on the validation part only."""
    val = runs["rsmi_val"].to_numpy(dtype=np.float64)
    if "rsmi_se" not in runs:
        return val > 0
    return val > LEFT_SIGMAS * runs["rsmi_se"].to_numpy(dtype=np.float64)


def _cell_summary(cell: pd.DataFrame) -> dict[str, float]:
    ok = cell[~cell["failed"].astype(bool)]
    rsmi = ok["rsmi"].to_numpy(dtype=np.float64)
    stats = {"runs": len(ok), "failed": int(len(cell) - len(ok))}
    left = rsmi[left_plateau(ok)]
    stats |= {
        "left": len(left),
        "left_mean": float(left.mean()) if len(left) else math.nan,
        "left_std": float(left.std(ddof=1)) if len(left) > 1 else math.nan,
    }
    if len(rsmi) == 0:
        nan = ("mean", "std", "best", "best_se", *QUANTILES, "best_run")
        return stats | {k: math.nan for k in nan}
    best = int(np.argmax(ok["rsmi_val"].to_numpy(dtype=np.float64)))  # validation only
    stats |= {
        "mean": float(rsmi.mean()),
        "std": float(rsmi.std(ddof=1)) if len(rsmi) > 1 else math.nan,
        "best": float(rsmi[best]),
        "best_se": float(ok["rsmi_se"].to_numpy()[best]) if "rsmi_se" in ok else math.nan,
        "best_run": int(ok["run_id"].to_numpy()[best]),
    }
    stats |= {name: float(np.quantile(rsmi, q)) for name, q in QUANTILES.items()}
    return stats


def best_reference(
    references: Sequence[Mapping[str, Any]], point: str, lb: int, components: int
) -> dict[str, Any]:
    """The best physical reference of a cell among an ensemble's attr ``references``: those
    of (point, lb) (of ``components`` where the ensemble has them there, else of any count:
    a reference does not depend on it), the one with the highest validation value
    ``rsmi_val`` (never chosen on the test part). Returns the summary's
    :data:`REFERENCE_COLUMNS` but efficiency: its name, held-out test value
    (``reference_rsmi``) and model-free plug-in value (``reference_plugin``), nats; None and
    NaN when the cell has none."""
    here = [r for r in references if r["point"] == point and r["lb"] == lb]
    here = [r for r in here if r["components"] == components] or here
    here = [r for r in here if math.isfinite(r["rsmi_val"])]
    if not here:
        return {"reference": None, "reference_rsmi": math.nan, "reference_plugin": math.nan}
    chosen = max(here, key=lambda r: r["rsmi_val"])
    return {
        "reference": chosen["name"],
        "reference_rsmi": float(chosen["rsmi"]),
        "reference_plugin": float(chosen["plugin"]),
    }


def efficiency(best: float, reference_rsmi: float, reference_plugin: float) -> float:
    """best / max(reference_rsmi, reference_plugin): the learned validation-best run against
    the better of its reference's two scores (NaN unless that is positive)."""
    denominator = max(reference_rsmi, reference_plugin)
    return best / denominator if denominator > 0 else math.nan


def summarise(path: str | Path, components: int | None = None) -> pd.DataFrame:
    """Test-part RSMI (nats) per point, lb and component count over the runs of an ensemble.

    components: keep only the runs trained with this many components (all when None).
    Columns: point, control, lb, components, runs (successful), failed (excluded
    from the statistics), mean, std (ddof 1), best (the test RSMI of best_run, the run with
    the highest validation RSMI: nothing is selected on the test part), best_se (its held-out
    standard error; NaN where the store has none), best_run,
    q05, q25, median, q75, q95, left (runs that left the plateau, :func:`left_plateau`),
    left_mean, left_std (their test RSMI), then :data:`REFERENCE_COLUMNS`: the best physical
    reference (:func:`best_reference`; NaN where the ensemble holds none), its held-out test and
    model-free values (nats) and efficiency = best / max(reference_rsmi, reference_plugin).
    Rows are ordered by components, lb, then control value.
    """
    ensemble = read_ensemble(path)
    references = ensemble.attrs.get("references", [])
    frame = run_table(ensemble)
    if components is not None:
        frame = frame[frame["components"] == components]
        if frame.empty:
            raise InputError(f"{path}: no runs trained with {components} components")
    keys = ["point", *COORDINATES]
    rows = []
    for key, cell in frame.groupby(keys, sort=False):
        row = dict(zip(keys, key, strict=True)) | _cell_summary(cell)
        row |= best_reference(references, row["point"], row["lb"], row["components"])
        row["efficiency"] = efficiency(row["best"], row["reference_rsmi"], row["reference_plugin"])
        rows.append(row)
    columns = [
        "point",
        *COORDINATES,
        "runs",
        "failed",
        "mean",
        "std",
        "best",
        "best_se",
        "best_run",
        *QUANTILES,
        *LEFT_COLUMNS,
        *REFERENCE_COLUMNS,
    ]
    table = pd.DataFrame(rows, columns=columns)
    order = ["components", "lb", "control"]
    return table.sort_values(order, kind="stable").reset_index(drop=True)


CSV_NAMES = {
    "mean": "rsmi_mean_nats",
    "std": "rsmi_std_nats",
    "best": "rsmi_best_nats",
    "best_se": "rsmi_best_se_nats",
    **{name: f"rsmi_{name}_nats" for name in QUANTILES},
    "left": "runs_left_plateau",
    "left_mean": "rsmi_left_mean_nats",
    "left_std": "rsmi_left_std_nats",
    "reference_rsmi": "reference_rsmi_nats",
    "reference_plugin": "reference_plugin_nats",
}
"""Columns of the summary table renamed in its CSV file, so that each names its unit."""


def write_summary_csv(table: pd.DataFrame, path: str | Path) -> Path:
    """Write a :func:`summarise` table as CSV: units in the column names, 4 significant digits."""
    return write_csv(table, path, CSV_NAMES)


def read_summary_csv(path: str | Path) -> pd.DataFrame:
    """Read a table of :func:`write_summary_csv` back with the column names of :func:`summarise`."""
    table = pd.read_csv(path)
    back = {csv: name for name, csv in CSV_NAMES.items()}
    optional = {
        CSV_NAMES[n] for n in (*REFERENCE_COLUMNS, *LEFT_COLUMNS, "best_se") if n in CSV_NAMES
    }
    missing = sorted(set(back) - optional - set(table.columns))
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
