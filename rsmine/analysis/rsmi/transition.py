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

Which estimator fits the RSMI curve depends on its shape (:func:`curve_shape`):
a **step** (the two ends differ by more than 3 standard errors, no interior
maximum above both) is located by ``steepest``; a **peak** (an interior maximum
more than 3 standard errors above both ends) by ``parabolic_peak`` of the mean
curve; a curve that shows **neither** gets no estimate (NaN), rather than the
steepest point of noise. The shape is a column of the table.

Confidence intervals come from a bootstrap over runs: each replicate resamples,
with replacement, the runs within each control point separately, recomputes
the curve and the estimate; the 2.5 and 97.5 percentiles of the replicates
(seeded, so deterministic), widened on each side by half the control grid's
spacing around the estimate (the grid and interpolation error: a transition is
not located better than the cell that holds it, whatever the runs say) and kept
within the scanned range (nothing locates a transition outside it; a widening
past w = 0 once gave a negative chipping rate). The
bootstrap does not resample the Monte Carlo samples (that would mean retraining);
the finite-size offset is not in the interval either: it is what
:mod:`rsmine.analysis.finite_size` extrapolates away.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.interpolate import CubicSpline

from rsmine.analysis.ensembles import run_table
from rsmine.analysis.rsmi.boundaryness import informative, run_boundaryness
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


SHAPE_SIGMAS = 3.0
"""A difference counts in :func:`curve_shape` when it exceeds this many standard errors."""


def curve_shape(samples: Sequence[np.ndarray]) -> str:
    """ "step", "peak" or "none" for per-run values at ordered control values (see module doc).

    samples[i]: (runs_i,) values at the i-th control value, in control order.
    """
    mean = np.array([np.mean(s) for s in samples])
    sem = np.array([np.std(s, ddof=1) / math.sqrt(len(s)) if len(s) > 1 else 0.0 for s in samples])
    return shape_of(mean, sem)


def shape_of(mean: np.ndarray, sem: np.ndarray) -> str:
    """ "step", "peak" or "none" of a curve given by its values and their standard errors
    (n,) at ordered control values (the rule of :func:`curve_shape`)."""
    mean, sem = np.asarray(mean, dtype=float), np.asarray(sem, dtype=float)

    def above(i: int, j: int) -> bool:
        return mean[i] - mean[j] > SHAPE_SIGMAS * math.hypot(sem[i], sem[j])

    top = int(np.argmax(mean))
    if 0 < top < len(mean) - 1 and above(top, 0) and above(top, len(mean) - 1):
        return "peak"
    if above(0, len(mean) - 1) or above(len(mean) - 1, 0):
        return "step"
    return "none"


def grid_error(x: np.ndarray, estimate: float) -> float:
    """Half the spacing of the control grid x (n,) around ``estimate`` (the larger neighbour)."""
    x = np.sort(np.asarray(x, dtype=float))
    i = int(np.clip(np.searchsorted(x, estimate), 1, len(x) - 1))
    spacings = np.diff(x)[max(0, i - 2) : i + 1]
    return float(spacings.max()) / 2.0


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
    staggered: bool = False,
) -> pd.DataFrame:
    """Transition estimates per lb from an ensemble store, with bootstrap 95 % CIs.

    components: use only runs trained with this many components (all when None).
    Methods: ``rsmi`` (mean test RSMI; steepest change of a step, vertex of a peak,
    none for a curve that shows neither) always; ``boundaryness_peak`` (median
    boundaryness) for 2-D square-lattice filters, unstaggered first when
    ``staggered`` (an antiferromagnet). Failed runs are left out.
    exact: the known transition in control units (e.g. ``transition_mark(model).value``),
    copied into the table beside the estimates.
    Returns columns lb, method, shape (of the curve), estimate, ci_low, ci_high (95 %,
    bootstrap over runs and the grid error), exact (control units; NaN when ``exact``
    is None), runs (successful runs used).
    """
    ensemble = read_ensemble(path)
    frame = run_table(ensemble)
    if ensemble.lattice == "square":
        measured = run_boundaryness(ensemble["filters"], staggered)
        found = informative(ensemble)
        frame["boundaryness"] = np.where(found, measured, np.nan)
    frame = frame[counted(ensemble, components=components)[0]]
    rows = []
    for lb, cell in frame.groupby("lb"):
        x, samples = _per_point(cell, "rsmi")
        shape = curve_shape(samples) if len(x) >= MIN_POINTS else "none"
        rows.append(_row(lb, "rsmi", shape, x, samples, RSMI_ESTIMATORS.get(shape), n_boot, seed))
        if "boundaryness" in cell:
            x, samples = _per_point(cell, "boundaryness")
            peak = (parabolic_peak, np.median)
            rows.append(_row(lb, "boundaryness_peak", "peak", x, samples, peak, n_boot, seed))
    table = pd.DataFrame(rows, columns=[*COLUMNS[:-2], "exact", "runs"])
    table["exact"] = math.nan if exact is None else exact
    return table[COLUMNS]


COLUMNS = ["lb", "method", "shape", "estimate", "ci_low", "ci_high", "exact", "runs"]
RSMI_ESTIMATORS: dict[str, tuple[Estimator, Callable[[np.ndarray], float]]] = {
    "step": (steepest, np.mean),
    "peak": (parabolic_peak, np.mean),
}
"""The estimator (and per-point statistic) of each RSMI curve shape; none for "none"."""


def _row(
    lb: int,
    method: str,
    shape: str,
    x: np.ndarray,
    samples: list[np.ndarray],
    estimator: tuple[Estimator, Callable[[np.ndarray], float]] | None,
    n_boot: int,
    seed: int,
) -> dict[str, object]:
    """One table row: the estimate and its interval widened by the grid error, within the
    range of x."""
    estimate = low = high = math.nan
    if estimator is not None and len(x) >= MIN_POINTS:
        estimate, low, high = bootstrap(x, samples, *estimator, n_boot, seed)
        if math.isfinite(estimate):
            half = grid_error(x, estimate)
            low, high = max(low - half, float(x.min())), min(high + half, float(x.max()))
    return {
        "lb": lb,
        "method": method,
        "shape": shape,
        "estimate": estimate,
        "ci_low": low,
        "ci_high": high,
        "runs": int(sum(len(s) for s in samples)),
    }
