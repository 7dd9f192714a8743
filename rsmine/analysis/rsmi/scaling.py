"""Scaling of RSMI with the buffer width L_B: exponential vs power-law decay (Figs. 3b, 6).

Two models of the RSMI I(lb) in nats:

- exponential, I = A·exp(−lb/ξ), fitted on every point above the noise floor (lb ≥ 0);
- power law, I = A·lb^(−υ), fitted on the points above the floor with lb ≥ 1
  (lb = 0 is left out: the power law diverges there).

The model is chosen by AIC on the points both models can describe (above the
floor and lb ≥ 1), each model refitted there: both have two parameters, so
the AIC difference is the χ² difference when errors are given (Gaussian
likelihood with known σ), else n·ln(RSS_exp/RSS_pow). With fewer than three
such points there is nothing to choose between and the model is
"undetermined". The fits are weighted least squares on I itself (not on
log I), started from the log-linear fit; 95 % confidence intervals come from
the parameter covariance (absolute when errors are given, scaled by the
residual variance otherwise) through the delta method for ξ = −1/slope.
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

    model: "exponential", "power" or "undetermined" (fewer than three comparable points).
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

    def predict(self, model: str, lb: np.ndarray) -> np.ndarray:
        """The fitted curve of ``model`` ("exponential" | "power") at buffer widths lb, nats."""
        lb = np.asarray(lb, dtype=float)
        if model == "exponential":
            return self.amplitude_exp * np.exp(-lb / self.length)
        with np.errstate(divide="ignore"):
            return self.amplitude_pow * lb ** (-self.exponent)


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


def _interval(value: float, sigma: float) -> tuple[float, float]:
    if not math.isfinite(sigma):
        return (math.nan, math.nan)
    return (value - Z95 * sigma, value + Z95 * sigma)


def fit_buffer_decay(
    lb: np.ndarray,
    rsmi: np.ndarray,
    rsmi_err: np.ndarray | None = None,
    floor: float | np.ndarray | None = None,
) -> DecayFit:
    """Fit I(lb) = A·exp(−lb/ξ) and I(lb) = A·lb^(−υ) and choose between them by AIC.

    lb: (n,) buffer widths (integers ≥ 0), distinct.
    rsmi: (n,) RSMI per buffer width, nats (e.g. the ensemble maximum or mean).
    rsmi_err: (n,) standard errors of rsmi, nats; weights the fits and sets the floor.
    floor: noise-floor threshold, nats (scalar or (n,)); points with rsmi ≤ floor are
        excluded and counted. Default: FLOOR_SIGMAS·rsmi_err when errors are given, else 0.
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

    x, y, e = subset(used)
    exp_fit = _fit_line(x, y, e)
    xp, yp, ep = subset(used & (lb >= 1))
    pow_fit = _fit_line(np.log(xp), yp, ep)

    length = exponent = amp_exp = amp_pow = math.nan
    length_ci = exponent_ci = (math.nan, math.nan)
    if exp_fit is not None and exp_fit.b < 0:
        length = -1.0 / exp_fit.b
        length_ci = _interval(length, math.sqrt(exp_fit.cov[1, 1]) / exp_fit.b**2)
        amp_exp = math.exp(exp_fit.a)
    if pow_fit is not None:
        exponent = -pow_fit.b
        exponent_ci = _interval(exponent, math.sqrt(pow_fit.cov[1, 1]))
        amp_pow = math.exp(pow_fit.a)

    model, aic_exp, aic_pow = "undetermined", math.nan, math.nan
    if len(xp) >= 3:
        aic_exp = _aic(_fit_line(xp, yp, ep), err is not None)
        aic_pow = _aic(pow_fit, err is not None)
        model = "exponential" if aic_exp <= aic_pow else "power"
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
    )


def buffer_fits_table(summary: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, DecayFit]]:
    """Fit the decay of the RSMI with lb at every point of a summary table.

    summary: rows (point, lb) of :func:`rsmine.analysis.rsmi.summary.summarise` (nats).
    The RSMI of a (point, lb) cell is the mean over its successful runs, its error
    the standard error of that mean (the mean, not the maximum: the maximum of a
    few runs of pure noise sits about two standard errors above 0, on the floor).
    With a single run (no error) the fit is unweighted and the floor is 0.
    Returns (table with one row per point, {point label: fit}); the table's columns:
    point, control, model, xi, xi_low, xi_high, upsilon, upsilon_low, upsilon_high,
    aic_exp, aic_pow, points_fitted, floor_excluded.
    """
    rows, fits = [], {}
    for point, cells in summary.groupby("point", sort=False):
        cells = cells.sort_values("lb")
        err = (cells["std"] / np.sqrt(cells["runs"])).to_numpy(dtype=float)
        usable_err = err if np.all(err > 0) else None
        fit = fit_buffer_decay(
            cells["lb"].to_numpy(), cells["mean"].to_numpy(dtype=float), usable_err
        )
        fits[point] = fit
        rows.append(
            {
                "point": point,
                "control": cells["control"].iloc[0],
                "model": fit.model,
                "xi": fit.length,
                "xi_low": fit.length_ci[0],
                "xi_high": fit.length_ci[1],
                "upsilon": fit.exponent,
                "upsilon_low": fit.exponent_ci[0],
                "upsilon_high": fit.exponent_ci[1],
                "aic_exp": fit.aic_exp,
                "aic_pow": fit.aic_pow,
                "points_fitted": int(fit.used.sum()),
                "floor_excluded": fit.excluded,
            }
        )
    return pd.DataFrame(rows), fits
