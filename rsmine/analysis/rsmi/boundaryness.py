"""Boundaryness of coarse-graining filters (paper Eq. 19, Fig. 7a).

boundaryness(Λ) = |Σ_{i ∈ boundary} Λ_i| / |Σ_{i ∈ bulk} Λ_i| for a filter on a
2-D visible block V of side lv: the boundary is the outermost ring of V
(4·lv − 4 sites), the bulk the (lv − 2)² sites inside it. A filter with no
bulk weight has boundaryness +inf (NaN when it has no weight at all). Near a
critical point the optimal filter is a boundary filter (Fig. 7b), so the
ensemble's boundaryness peaks there, more sharply as lb grows.

For filters with several components of H each component has its own
boundaryness; :func:`run_boundaryness` takes the largest over a run's
components (the component most coupled to the boundary). The ensemble
statistic is the median over the successful runs of a (point, lb) cell, which
is robust to the inf of a pure boundary filter.

Eq. 19 sums signed weights, so it measures a ferromagnet's filters. The
antiferromagnet's relevant filters are staggered, Λ_i ∝ (−1)^(x+y) on the
ordered side: their ring sum nearly cancels and Eq. 19 would read them as bulk
filters. With ``staggered`` the filters are first multiplied by (−1)^(x+y)
(:func:`unstagger`; x, y counted from V's corner, the overall sign is dropped by
the absolute values), which maps the antiferromagnet onto the ferromagnet by
the sublattice gauge transformation.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from rsmine.errors import InputError
from rsmine.stores.ensemble import counted, read_ensemble
from rsmine.stores.runs import Runs


def boundary_mask(lv: int) -> np.ndarray:
    """(lv, lv) bool: True on the outermost ring of an lv × lv block."""
    if lv < 3:
        raise InputError(f"boundaryness needs a visible block of side >= 3 (a bulk), got {lv}")
    mask = np.ones((lv, lv), dtype=bool)
    mask[1:-1, 1:-1] = False
    return mask


def boundaryness(filters: np.ndarray) -> np.ndarray:
    """|Σ_boundary Λ| / |Σ_bulk Λ| of filters of shape (..., lv, lv); returns (...,).

    +inf where the bulk sum is 0 and the boundary sum is not; NaN where both are 0
    or the filter holds NaN (a padded component).
    """
    filters = np.asarray(filters, dtype=np.float64)
    if filters.ndim < 2 or filters.shape[-1] != filters.shape[-2]:
        raise InputError(f"boundaryness: filters must be (..., lv, lv), got {filters.shape}")
    ring = boundary_mask(filters.shape[-1])
    boundary = np.abs(filters[..., ring].sum(-1))
    bulk = np.abs(filters[..., ~ring].sum(-1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return boundary / bulk


def unstagger(filters: np.ndarray) -> np.ndarray:
    """Filters (..., lv, lv) multiplied by (−1)^(x+y): the sublattice gauge transformation."""
    filters = np.asarray(filters, dtype=np.float64)
    side_y, side_x = filters.shape[-2:]
    return filters * (-1.0) ** np.add.outer(np.arange(side_y), np.arange(side_x))


def run_boundaryness(filters: np.ndarray, staggered: bool = False) -> np.ndarray:
    """Per-run boundaryness of (run, component, lv, lv) filters: the largest over components.

    staggered: unstagger the filters first (antiferromagnet). Returns (run,); NaN
    only when every component is NaN.
    """
    per_component = boundaryness(unstagger(filters) if staggered else filters)
    out = np.full(per_component.shape[0], math.nan)
    finite_or_inf = ~np.isnan(per_component)
    has = finite_or_inf.any(axis=1)
    out[has] = np.nanmax(per_component[has], axis=1)
    return out


INFORMATIVE_SIGMAS = 2.0
"""A run's filter is read only when its test RSMI exceeds this many standard errors."""


def informative(ensemble: Runs) -> np.ndarray:
    """Runs (run,) whose test RSMI is above INFORMATIVE_SIGMAS standard errors (above 0 in an
    ensemble written before runs recorded ``rsmi_se``): the filter of a run that found no
    information is its random start, and its boundaryness is noise (in the paramagnet it
    made medians of 10-50 and false peaks far from Tc)."""
    rsmi = np.asarray(ensemble["rsmi"], dtype=np.float64)
    se = ensemble.arrays.get("rsmi_se")
    return rsmi > (0.0 if se is None else INFORMATIVE_SIGMAS * np.asarray(se, dtype=np.float64))


def boundaryness_curves(
    path: str | Path, components: int | None = None, staggered: bool = False
) -> pd.DataFrame:
    """Ensemble boundaryness per (control, lb) from an ensemble store of a 2-D lattice.

    components: use only runs with this many components of H (all when None);
    staggered: unstagger the filters first (an antiferromagnet's ensemble). Only runs that
    found information count (:func:`informative`); a point without any has no median.
    Returns columns control, lb, runs (successful and informative), median, q25, q75 and
    rescaled (median / its maximum over control at the same lb).
    """
    ensemble = read_ensemble(path)
    filters = ensemble["filters"]
    if filters.ndim != 4:
        raise InputError(
            f"{path}: boundaryness needs 2-D filters (run, component, lv, lv), "
            f"got shape {filters.shape}"
        )
    frame = pd.DataFrame(
        {
            "control": ensemble["control"],
            "lb": ensemble["lb"],
            "boundaryness": run_boundaryness(filters, staggered),
        }
    )
    keep, _ = counted(ensemble, components=components)
    keep &= informative(ensemble)
    rows = []
    for (control, lb), cell in frame[keep].groupby(["control", "lb"]):
        values = cell["boundaryness"].dropna().to_numpy()
        stats = {"control": control, "lb": lb, "runs": len(values)}
        for name, q in (("median", 0.5), ("q25", 0.25), ("q75", 0.75)):
            stats[name] = float(np.quantile(values, q)) if len(values) else math.nan
        rows.append(stats)
    table = pd.DataFrame(rows, columns=["control", "lb", "runs", "median", "q25", "q75"])
    finite = table["median"].where(np.isfinite(table["median"]))
    table["rescaled"] = table["median"] / finite.groupby(table["lb"]).transform("max")
    return table.sort_values(["lb", "control"]).reset_index(drop=True)


def boundaryness_peaks(curves: pd.DataFrame) -> pd.DataFrame:
    """Peak of the ensemble boundaryness per lb: columns lb, peak (control value), median.

    curves: the table of :func:`boundaryness_curves`; the peak is the grid point of
    the largest finite median (infinite control values are skipped).
    """
    rows = []
    for lb, rows_lb in curves.groupby("lb"):
        usable = rows_lb[np.isfinite(rows_lb["median"]) & np.isfinite(rows_lb["control"])]
        if usable.empty:
            rows.append({"lb": lb, "peak": math.nan, "median": math.nan})
            continue
        best = usable.loc[usable["median"].idxmax()]
        rows.append({"lb": lb, "peak": best["control"], "median": best["median"]})
    return pd.DataFrame(rows, columns=["lb", "peak", "median"])
