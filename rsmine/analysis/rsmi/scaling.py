"""Scaling of RSMI with the buffer width L_B: exponential vs power-law decay (Figs. 3b, 6).

Two models of the RSMI I(lb) in nats, both fitted on the points above the
noise floor with lb ≥ 1 (lb = 0 is left out: the power law diverges there, and
at lb = 0 V touches E, which is not the decay being measured):

- exponential, I = A·exp(−lb/ξ);
- power law, I = A·(lb + offset)^(−υ): offset 0 is a power of lb, offset lv/2 a
  power of the distance between the centres of V and of E's inner edge.

The model is chosen by AIC: both have two parameters, so the AIC difference is
the χ² difference when errors are given (Gaussian likelihood with known σ),
else n·ln(RSS_exp/RSS_pow). With fewer than three points there is nothing to
choose between ("undetermined"); a curve whose exponential slope is not below
0 at 95 % is "no decay" (an ordered phase's plateau), with no ξ or υ. The fits
are weighted least squares on I itself (not on log I), started from the
log-linear fit; 95 % confidence intervals come from the parameter covariance
(absolute when errors are given, scaled by the residual variance otherwise) on
log ξ and log υ, so that they stay positive: ξ·exp(±z·σ_b/|b|) with b = −1/ξ
the fitted slope, υ·exp(±z·σ_υ/υ).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import curve_fit

from rsmine.errors import InputError

Z95 = 1.959963984540054
"""Two-sided 95 % quantile of the standard normal."""
FLOOR_SIGMAS = 2.0
"""A point is at the noise floor when its RSMI is below this many standard errors."""


@dataclass(frozen=True)
class DecayFit:
    """Result of :func:`fit_buffer_decay`.

    model: "exponential", "power", "no decay" (slope not below 0 at 95 %) or
        "undetermined" (fewer than three points).
    length, length_ci: ξ and its 95 % interval, in lattice units of lb (NaN when unfitted).
    exponent, exponent_ci: υ and its 95 % interval (NaN when unfitted).
    amplitude_exp, amplitude_pow: A of each model, nats.
    aic_exp, aic_pow: AIC of each model on the comparable points (NaN if not compared).
    floor: the noise-floor threshold per point, nats, shape (n,).
    excluded: number of points at or under the noise floor (left out of both fits).
    used: boolean mask (n,) of the points above the floor.
    """

    model: str
    length: float
    length_ci: tuple[float, float]
    exponent: float
    exponent_ci: tuple[float, float]
    amplitude_exp: float
    amplitude_pow: float
    aic_exp: float
    aic_pow: float
    floor: np.ndarray
    excluded: int
    used: np.ndarray
    offset: float = 0.0

    def predict(self, model: str, lb: np.ndarray) -> np.ndarray:
        """The fitted curve of ``model`` ("exponential" | "power") at buffer widths lb, nats."""
        lb = np.asarray(lb, dtype=float)
        if model == "exponential":
            return self.amplitude_exp * np.exp(-lb / self.length)
        with np.errstate(divide="ignore"):
            return self.amplitude_pow * (lb + self.offset) ** (-self.exponent)


@dataclass(frozen=True)
class _LineFit:
    """y = a + b·x fitted as I = exp(a + b·x); params (a, b) with covariance, and χ² or RSS."""

    a: float
    b: float
    cov: np.ndarray
    misfit: float
    n: int


def _fit_line(x: np.ndarray, y: np.ndarray, err: np.ndarray | None) -> _LineFit | None:
    """Fit y = exp(a + b·x) by weighted least squares on y; None with fewer than 2 points."""
    if len(x) < 2:
        return None
    slope, intercept = np.polyfit(x, np.log(y), 1)
    if len(x) == 2:
        a, b = float(intercept), float(slope)
        return _LineFit(a, b, np.full((2, 2), np.nan), 0.0, 2)
    params, cov = curve_fit(
        lambda t, a, b: np.exp(a + b * t),
        x,
        y,
        p0=(intercept, slope),
        sigma=err,
        absolute_sigma=err is not None,
        maxfev=10000,
    )
    residual = y - np.exp(params[0] + params[1] * x)
    misfit = float(np.sum((residual / err) ** 2) if err is not None else np.sum(residual**2))
    return _LineFit(float(params[0]), float(params[1]), cov, misfit, len(x))


def _aic(fit: _LineFit, known_errors: bool) -> float:
    """AIC of a two-parameter fit: χ² + 4 (known σ) or n·ln(RSS/n) + 4."""
    if known_errors:
        return fit.misfit + 4.0
    return fit.n * math.log(max(fit.misfit, 1e-300) / fit.n) + 4.0


def _positive_interval(value: float, sigma_log: float) -> tuple[float, float]:
    """95 % interval of a positive quantity from the standard error of its logarithm."""
    if not (math.isfinite(sigma_log) and value > 0):
        return (math.nan, math.nan)
    return (value * math.exp(-Z95 * sigma_log), value * math.exp(Z95 * sigma_log))


def _decays(fit: _LineFit | None) -> bool:
    """Whether the exponential slope is below 0 at 95 % (below 0, with two points)."""
    if fit is None:
        return False
    sigma = math.sqrt(fit.cov[1, 1]) if math.isfinite(fit.cov[1, 1]) else 0.0
    return fit.b + Z95 * sigma < 0


def fit_buffer_decay(
    lb: np.ndarray,
    rsmi: np.ndarray,
    rsmi_err: np.ndarray | None = None,
    floor: float | np.ndarray | None = None,
    offset: float = 0.0,
) -> DecayFit:
    """Fit I(lb) = A·exp(−lb/ξ) and I(lb) = A·lb^(−υ) and choose between them by AIC.

    lb: (n,) buffer widths (integers ≥ 0), distinct.
    rsmi: (n,) RSMI per buffer width, nats (e.g. the ensemble maximum or mean).
    rsmi_err: (n,) standard errors of rsmi, nats; weights the fits and sets the floor.
    floor: noise-floor threshold, nats (scalar or (n,)); points with rsmi ≤ floor are
        excluded and counted. Default: FLOOR_SIGMAS·rsmi_err when errors are given, else 0.
    offset: the power law's variable is lb + offset (0: lb; lv/2: the distance).
    See the module docstring for the treatment of lb = 0 and the model choice.
    """
    lb = np.asarray(lb, dtype=float)
    rsmi = np.asarray(rsmi, dtype=float)
    if lb.ndim != 1 or rsmi.shape != lb.shape:
        raise InputError(f"fit_buffer_decay: lb {lb.shape} and rsmi {rsmi.shape} must be (n,)")
    if np.any(lb < 0) or len(np.unique(lb)) != len(lb):
        raise InputError(f"fit_buffer_decay: lb must be distinct and >= 0, got {lb.tolist()}")
    err = None
    if rsmi_err is not None:
        err = np.asarray(rsmi_err, dtype=float)
        if err.shape != lb.shape or np.any(~(err > 0)):
            raise InputError("fit_buffer_decay: rsmi_err must be (n,) and positive")
    if floor is None:
        floor = FLOOR_SIGMAS * err if err is not None else 0.0
    threshold = np.broadcast_to(np.asarray(floor, dtype=float), lb.shape).copy()
    used = np.isfinite(rsmi) & (rsmi > threshold)

    def subset(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        return lb[mask], rsmi[mask], (err[mask] if err is not None else None)

    x, y, e = subset(used & (lb >= 1))
    exp_fit = _fit_line(x, y, e)
    pow_fit = _fit_line(np.log(x + offset), y, e)

    length = exponent = amp_exp = amp_pow = math.nan
    length_ci = exponent_ci = (math.nan, math.nan)
    decays = _decays(exp_fit)
    if decays:
        length = -1.0 / exp_fit.b
        length_ci = _positive_interval(length, math.sqrt(exp_fit.cov[1, 1]) / -exp_fit.b)
        amp_exp = math.exp(exp_fit.a)
    if decays and pow_fit is not None and pow_fit.b < 0:
        exponent = -pow_fit.b
        exponent_ci = _positive_interval(exponent, math.sqrt(pow_fit.cov[1, 1]) / exponent)
        amp_pow = math.exp(pow_fit.a)

    model, aic_exp, aic_pow = "undetermined", math.nan, math.nan
    if len(x) >= 3:
        aic_exp = _aic(exp_fit, err is not None)
        aic_pow = _aic(pow_fit, err is not None)
        model = "exponential" if aic_exp <= aic_pow else "power"
        if not decays:
            model = "no decay"
    return DecayFit(
        model=model,
        length=length,
        length_ci=length_ci,
        exponent=exponent,
        exponent_ci=exponent_ci,
        amplitude_exp=amp_exp,
        amplitude_pow=amp_pow,
        aic_exp=aic_exp,
        aic_pow=aic_pow,
        floor=threshold,
        excluded=int((~used).sum()),
        used=used,
        offset=float(offset),
    )


def fitted_rsmi(cells: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
    """The RSMI a buffer fit uses for each (point, lb) cell of a summary table and its
    standard error, (n,) nats each: the mean over the runs that left the initial plateau
    (columns left_mean, left_std, left of :func:`~rsmine.analysis.rsmi.summary.summarise`;
    runs still on it would pull the mean towards 0 by luck, not by distance) — NaN where no
    run left it, so the cell counts as at the floor; the mean over all runs in a table
    without those columns. The mean, not the maximum: the maximum of a few runs of pure
    noise sits about two standard errors above 0. The error is None when a cell has a
    single run (the fit is then unweighted and the floor 0)."""
    value, spread, count = ("left_mean", "left_std", "left")
    if value not in cells or cells[count].isna().all():
        value, spread, count = ("mean", "std", "runs")
    rsmi = cells[value].to_numpy(dtype=float)
    runs = cells[count].to_numpy(dtype=float)
    err = cells[spread].to_numpy(dtype=float) / np.sqrt(np.where(runs > 0, runs, np.nan))
    usable = np.isfinite(rsmi)
    ok = usable.any() and np.all(err[usable] > 0)
    return rsmi, (np.where(usable, err, 1.0) if ok else None)


def buffer_fits_table(
    summary: pd.DataFrame, lv: int | None = None
) -> tuple[pd.DataFrame, dict[str, DecayFit]]:
    """Fit the decay of the RSMI with lb at every point of a summary table.

    summary: rows (point, lb) of :func:`rsmine.analysis.rsmi.summary.summarise` (nats); each
    cell's RSMI and error are :func:`fitted_rsmi`'s.
    lv: the side of V; when given, the power law is also fitted against the distance
    lb + lv/2 (columns upsilon_distance, _low, _high).
    Returns (table with one row per point, {point label: fit}); the table's columns:
    point, control, model, xi, xi_low, xi_high, upsilon, upsilon_low, upsilon_high,
    [upsilon_distance…,] aic_exp, aic_pow, points_fitted, floor_excluded.
    """
    rows, fits = [], {}
    for point, cells in summary.groupby("point", sort=False):
        cells = cells.sort_values("lb")
        lb = cells["lb"].to_numpy()
        rsmi, err = fitted_rsmi(cells)
        fit = fit_buffer_decay(lb, rsmi, err)
        fits[point] = fit
        row = {
            "point": point,
            "control": cells["control"].iloc[0],
            "model": fit.model,
            "xi": fit.length,
            "xi_low": fit.length_ci[0],
            "xi_high": fit.length_ci[1],
            "upsilon": fit.exponent,
            "upsilon_low": fit.exponent_ci[0],
            "upsilon_high": fit.exponent_ci[1],
        }
        if lv is not None:
            far = fit_buffer_decay(lb, rsmi, err, offset=lv / 2)
            row |= {
                "upsilon_distance": far.exponent,
                "upsilon_distance_low": far.exponent_ci[0],
                "upsilon_distance_high": far.exponent_ci[1],
            }
        row |= {
            "aic_exp": fit.aic_exp,
            "aic_pow": fit.aic_pow,
            "points_fitted": int((fit.used & (lb >= 1)).sum()),
            "floor_excluded": fit.excluded,
        }
        rows.append(row)
    return pd.DataFrame(rows), fits


MIN_RANGE = 3
"""Fewest buffer widths of a fit range in :func:`exponent_ranges`."""
RANGE_COLUMNS = (
    *("point", "control", "lb_min", "lb_max", "points"),
    *("upsilon", "upsilon_low", "upsilon_high", "aic_lb"),
    *("upsilon_distance", "upsilon_distance_low", "upsilon_distance_high", "aic_distance"),
    *("aic_exp", "preferred"),
)
"""Columns of :func:`exponent_ranges`' table."""


def exponent_ranges(summary: pd.DataFrame, lv: int) -> pd.DataFrame:
    """υ against the fit range: the power law fitted on every contiguous range of the usable
    buffer widths (lb ≥ 1, above the floor) with at least MIN_RANGE of them, in both forms.

    summary: as for :func:`buffer_fits_table`; lv: the side of V.
    Returns rows point, control, lb_min, lb_max, points, then for the power of lb
    (upsilon, _low, _high, aic_lb) and of the distance lb + lv/2 (upsilon_distance, _low,
    _high, aic_distance), aic_exp, and ``preferred``: the form of lowest AIC among
    exponential, lb and distance. A critical RSMI whose υ drifts with the range is an
    effective exponent, not a universal one; empty where no point has MIN_RANGE usable lb.
    """
    rows = []
    for point, cells in summary.groupby("point", sort=False):
        cells = cells.sort_values("lb")
        lb = cells["lb"].to_numpy()
        rsmi, err = fitted_rsmi(cells)
        usable = np.flatnonzero(fit_buffer_decay(lb, rsmi, err).used & (lb >= 1))
        for i in range(len(usable)):
            for j in range(i + MIN_RANGE - 1, len(usable)):
                keep = usable[i : j + 1]
                sub = (lb[keep], rsmi[keep], None if err is None else err[keep])
                near, far = fit_buffer_decay(*sub), fit_buffer_decay(*sub, offset=lv / 2)
                aics = {"exponential": near.aic_exp, "lb": near.aic_pow, "distance": far.aic_pow}
                rows.append(
                    {
                        "point": point,
                        "control": cells["control"].iloc[0],
                        "lb_min": int(lb[keep[0]]),
                        "lb_max": int(lb[keep[-1]]),
                        "points": len(keep),
                        "upsilon": near.exponent,
                        "upsilon_low": near.exponent_ci[0],
                        "upsilon_high": near.exponent_ci[1],
                        "aic_lb": near.aic_pow,
                        "upsilon_distance": far.exponent,
                        "upsilon_distance_low": far.exponent_ci[0],
                        "upsilon_distance_high": far.exponent_ci[1],
                        "aic_distance": far.aic_pow,
                        "aic_exp": near.aic_exp,
                        "preferred": min(aics, key=lambda k: aics[k]),
                    }
                )
    return pd.DataFrame(rows, columns=RANGE_COLUMNS)
