"""Where is the transition? RSMI vs control per lb, its steepest change, bootstrap CIs.

The RSMI of an ensemble (one value per successful run, nats) is summarised per
control value by its mean, standard error and quantiles. Two estimators of
the transition act on such curves (finite control values only):

- ``steepest``: the mean RSMI curve is interpolated by a cubic spline through
  the points (scipy ``CubicSpline``, not-a-knot ends); its derivative is
  evaluated on 2001 equally spaced control values between the second and the
  next-to-last point (the spline's end intervals swing with the noise), and the
  estimate is where |dI/dx| is largest (the RSMI drops from the ordered plateau to ~0 across the
  transition, so this is the steepest descent of I with temperature). On a
  tanh step sampled every 0.05 the spline's location is off by ≤ 0.004; a
  monotone PCHIP interpolant was off by up to 0.017, a third of the spacing.
- ``boundaryness_peak``: the median boundaryness of the filters
  (:mod:`rsmine.analysis.rsmi.boundaryness`) peaks at the transition; the estimate is
  the vertex of the parabola through the largest median and its two neighbours
  (the grid point itself at an end of the grid).

Confidence intervals come from a bootstrap over runs: each replicate resamples,
with replacement, the runs within each control point separately, recomputes
the curve and the estimate; the interval is the 2.5 and 97.5 percentiles of
the replicates (seeded, so deterministic).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.interpolate import CubicSpline

from rsmine.analysis.ensembles import run_table
from rsmine.analysis.rsmi.boundaryness import run_boundaryness
from rsmine.errors import InputError
from rsmine.stores.ensemble import counted, read_ensemble

GRID = 2001
"""Control values on which the interpolated curve's derivative is evaluated."""
MIN_POINTS = 4
"""Finite control values needed for a transition estimate (a point beyond each end
interval of the search)."""

Estimator = Callable[[np.ndarray, np.ndarray], float]
"""(control values (n,), curve (n,)) -> transition estimate in control units."""


def steepest(x: np.ndarray, y: np.ndarray) -> float:
    """Control value of the steepest slope of the cubic-spline interpolant of y(x).

    x: (n,) distinct finite control values; y: (n,) curve. NaN with fewer than 4 points.
    The search excludes the end intervals: a step there is not located.
    """
    order = np.argsort(x)
    x, y = np.asarray(x, dtype=float)[order], np.asarray(y, dtype=float)[order]
    if len(x) < MIN_POINTS or not np.isfinite(y).all():
        return math.nan
    grid = np.linspace(x[1], x[-2], GRID)
    slope = CubicSpline(x, y).derivative()(grid)
    return float(grid[int(np.argmax(np.abs(slope)))])


def parabolic_peak(x: np.ndarray, y: np.ndarray) -> float:
    """Vertex of the parabola through the largest finite y and its neighbours (n,) -> float.

    The grid point itself when the maximum lies at an end of the grid; the vertex
    is clipped to the neighbours' interval.
    """
    order = np.argsort(x)
    x, y = np.asarray(x, dtype=float)[order], np.asarray(y, dtype=float)[order]
    usable = np.isfinite(y)
    if not usable.any():
        return math.nan
    i = int(np.nanargmax(np.where(usable, y, -np.inf)))
    if i == 0 or i == len(x) - 1 or not usable[i - 1 : i + 2].all():
        return float(x[i])
    a, b, _ = np.polyfit(x[i - 1 : i + 2], y[i - 1 : i + 2], 2)
    vertex = -b / (2 * a) if a < 0 else x[i]
    return float(np.clip(vertex, x[i - 1], x[i + 1]))


def bootstrap(
    x: np.ndarray,
    samples: Sequence[np.ndarray],
    estimator: Estimator,
    centre: Callable[[np.ndarray], float] = np.mean,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float, float]:
    """Transition estimate and its bootstrap interval over runs.

    x: (n,) control values; samples[i]: (runs_i,) per-run values at x[i]
    (e.g. RSMI in nats); centre: per-point statistic making the curve (mean, median).
    Returns (estimate, low, high) in control units; NaN when the estimate is undefined.
    """
    x = np.asarray(x, dtype=float)
    if len(samples) != len(x) or any(len(s) == 0 for s in samples):
        raise InputError("bootstrap: one non-empty sample of runs is needed per control value")
    estimate = estimator(x, np.array([centre(s) for s in samples]))
    if not math.isfinite(estimate):
        return (math.nan, math.nan, math.nan)
    rng = np.random.default_rng(seed)
    replicates = np.empty(n_boot)
    for b in range(n_boot):
        curve = [centre(s[rng.integers(0, len(s), len(s))]) for s in samples]
        replicates[b] = estimator(x, np.array(curve))
    tail = 50.0 * (1.0 - level)
    low, high = np.nanpercentile(replicates, [tail, 100.0 - tail])
    return (estimate, float(low), float(high))


def _per_point(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, list[np.ndarray]]:
    """Finite control values and the finite per-run values of ``column`` at each."""
    x, samples = [], []
    for control, cell in frame.groupby("control"):
        values = cell[column].to_numpy(dtype=float)
        values = values[~np.isnan(values)]
        if math.isfinite(control) and len(values):
            x.append(control)
            samples.append(values)
    return np.array(x), samples


def transition_table(
    path: str | Path,
    components: int | None = None,
    exact: float | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Transition estimates per lb from an ensemble store, with bootstrap 95 % CIs.

    components: use only runs trained with this many components (all when None).
    Methods: ``steepest`` (mean test RSMI) always; ``boundaryness_peak`` (median
    boundaryness) for 2-D square-lattice filters. Failed runs are left out.
    exact: the known transition in control units (e.g. ``transition_mark(model).value``),
    copied into the table beside the estimates.
    Returns columns lb, method, estimate, ci_low, ci_high, exact (control units;
    NaN when ``exact`` is None), runs (successful runs used).
    """
    ensemble = read_ensemble(path)
    frame = run_table(ensemble)
    if ensemble.lattice == "square":
        frame["boundaryness"] = run_boundaryness(ensemble["filters"])
    frame = frame[counted(ensemble, components=components)[0]]
    methods = [("steepest", "rsmi", steepest, np.mean)]
    if "boundaryness" in frame:
        methods.append(("boundaryness_peak", "boundaryness", parabolic_peak, np.median))
    rows = []
    for lb, cell in frame.groupby("lb"):
        for method, column, estimator, centre in methods:
            x, samples = _per_point(cell, column)
            if len(x) >= MIN_POINTS:
                estimate, low, high = bootstrap(x, samples, estimator, centre, n_boot, seed)
            else:
                estimate = low = high = math.nan
            rows.append(
                {
                    "lb": lb,
                    "method": method,
                    "estimate": estimate,
                    "ci_low": low,
                    "ci_high": high,
                    "exact": math.nan if exact is None else exact,
                    "runs": int(sum(len(s) for s in samples)),
                }
            )
    return pd.DataFrame(
        rows, columns=["lb", "method", "estimate", "ci_low", "ci_high", "exact", "runs"]
    )
