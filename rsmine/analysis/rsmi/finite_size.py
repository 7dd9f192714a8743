"""Finite-size extrapolation of a transition estimate: x_c(L) → x_c(∞).

A transition located on a lattice of side L sits off the thermodynamic value by
the finite-size shift x_c(L) = x_c(∞) + a·L^(−1/ν) (finite-size scaling; the 2-D
Ising model has ν = 1, so its Tc/T estimates approach 1 as 1/L). With ν given,
the fit is linear in u = L^(−1/ν): weighted least squares of x_c(L) on u, whose
intercept is x_c(∞). Its 95 % interval uses the parameter covariance from the
given standard errors, inflated by √(χ²/dof) when the points scatter more than
their errors allow (never deflated), and Student's t with dof = sizes − 2
(normal quantile with two sizes, where nothing checks the errors). With ν free
(``nu=None``, at least four sizes) ν is chosen by least χ² on a grid and the
interval of x_c(∞) widened to cover the intercepts of every ν within Δχ² < 4.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from rsmine.errors import InputError

Z95 = 1.959963984540054
NU_GRID = np.linspace(0.5, 3.0, 251)
"""ν values tried when ν is free."""


@dataclass(frozen=True)
class FiniteSizeFit:
    """x_c(∞) and its 95 % interval; the shift amplitude a; ν used; χ² and dof of the fit."""

    limit: float
    limit_ci: tuple[float, float]
    amplitude: float
    nu: float
    chi2: float
    dof: int

    def predict(self, sizes: np.ndarray) -> np.ndarray:
        """The fitted x_c(L) at lattice sides ``sizes``."""
        return self.limit + self.amplitude * np.asarray(sizes, dtype=float) ** (-1.0 / self.nu)


def _linear(u: np.ndarray, y: np.ndarray, err: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Weighted least squares y = c + a·u: (params (c, a), covariance (2, 2), χ²)."""
    design = np.stack([np.ones_like(u), u], axis=1) / err[:, None]
    params, *_ = np.linalg.lstsq(design, y / err, rcond=None)
    cov = np.linalg.inv(design.T @ design)
    chi2 = float(np.sum(((y - params[0] - params[1] * u) / err) ** 2))
    return params, cov, chi2


def _fit_fixed(sizes: np.ndarray, y: np.ndarray, err: np.ndarray, nu: float) -> FiniteSizeFit:
    params, cov, chi2 = _linear(sizes ** (-1.0 / nu), y, err)
    dof = len(sizes) - 2
    scale = math.sqrt(max(1.0, chi2 / dof)) if dof > 0 else 1.0
    quantile = float(stats.t.ppf(0.975, dof)) if dof > 0 else Z95
    half = quantile * scale * math.sqrt(cov[0, 0])
    limit = float(params[0])
    return FiniteSizeFit(limit, (limit - half, limit + half), float(params[1]), nu, chi2, dof)


def extrapolate(
    sizes: np.ndarray, estimates: np.ndarray, errors: np.ndarray, nu: float | None = 1.0
) -> FiniteSizeFit:
    """Fit x_c(L) = x_c(∞) + a·L^(−1/ν) to transition estimates on several lattice sides.

    sizes: (k,) distinct lattice sides L > 0; estimates: (k,) x_c(L) in control units;
    errors: (k,) their standard errors (> 0; e.g. a 95 % interval's width / 3.92);
    nu: the correlation-length exponent, or None to fit it (k >= 4).
    """
    sizes, y, err = (np.asarray(a, dtype=float) for a in (sizes, estimates, errors))
    if not (sizes.ndim == 1 and sizes.shape == y.shape == err.shape):
        raise InputError(
            f"extrapolate: sizes {sizes.shape}, estimates {y.shape}, errors {err.shape} "
            "must all be (k,)"
        )
    if len(np.unique(sizes)) != len(sizes) or len(sizes) < 2 or np.any(sizes <= 0):
        raise InputError(f"extrapolate: need >= 2 distinct sizes > 0, got {sizes.tolist()}")
    if not (np.all(np.isfinite(y)) and np.all(err > 0)):
        raise InputError("extrapolate: estimates must be finite and errors > 0")
    if nu is not None:
        return _fit_fixed(sizes, y, err, float(nu))
    if len(sizes) < 4:
        raise InputError(f"extrapolate: fitting nu needs >= 4 sizes, got {len(sizes)}")
    fits = [_fit_fixed(sizes, y, err, float(n)) for n in NU_GRID]
    chi2 = np.array([f.chi2 for f in fits])
    best = fits[int(np.argmin(chi2))]
    near = [f for f, c in zip(fits, chi2, strict=True) if c - chi2.min() < 4.0]
    low = min(f.limit_ci[0] for f in near)
    high = max(f.limit_ci[1] for f in near)
    return FiniteSizeFit(best.limit, (low, high), best.amplitude, best.nu, best.chi2, best.dof - 1)


def estimates_table(transitions: Mapping[int, pd.DataFrame], lb: int) -> pd.DataFrame:
    """One row per lattice side: the RSMI-curve transition estimate at ``lb`` and its
    standard error, the 95 % interval's half-width / 1.96 (an interval widened by the grid
    error gives a conservative error).

    transitions: {lattice side L: :func:`~rsmine.analysis.rsmi.transition.transition_table`}.
    Returns columns size, estimate, error (control units), shape; sides without an estimate
    at ``lb`` are refused, naming them.
    """
    rows = []
    for size, table in sorted(transitions.items()):
        row = table[(table["method"] == "rsmi") & (table["lb"] == lb)]
        if row.empty or not np.isfinite(row["estimate"].iloc[0]):
            shape = row["shape"].iloc[0] if not row.empty else "no row"
            raise InputError(
                f"finite-size extrapolation: the L = {size} lattice has no transition estimate "
                f"at lb {lb} (curve: {shape}); choose an lb every size locates"
            )
        r = row.iloc[0]
        error = (r["ci_high"] - r["ci_low"]) / (2 * Z95)
        rows.append({"size": size, "estimate": r["estimate"], "error": error, "shape": r["shape"]})
    return pd.DataFrame(rows, columns=["size", "estimate", "error", "shape"])
