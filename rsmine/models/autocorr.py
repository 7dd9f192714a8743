"""Autocorrelation analysis of Monte Carlo time series: τ_int, binned errors.

Conventions: the integrated autocorrelation time is
τ_int = 1/2 + Σ_{t≥1} ρ(t), so an uncorrelated series has τ_int = 1/2 and the
error of the mean of n measurements is σ √(2 τ_int / n). Keeping every
⌈2 τ_int⌉-th measurement therefore leaves roughly independent samples.
"""

from __future__ import annotations

import math

import numpy as np


def autocorrelation(x: np.ndarray) -> np.ndarray:
    """Normalised autocorrelation function ρ(t) of one series or of several chains.

    x: (n,) series, or (chains, n) independent chains of one process (each
    centred on its own mean, the ACF pooled over chains). Returns (n,) with
    ρ(0) = 1 (all zeros for a constant series). Computed by FFT with zero
    padding (no periodic wrap-around).
    """
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    n = x.shape[-1]
    d = x - x.mean(axis=-1, keepdims=True)
    size = 1 << (2 * n - 1).bit_length()
    f = np.fft.rfft(d, size, axis=-1)
    acf = np.fft.irfft(f * np.conj(f), size, axis=-1)[:, :n].sum(axis=0)
    if acf[0] <= 0.0:
        return np.zeros(n)
    return acf / acf[0]


def integrated_time(x: np.ndarray, window: float = 6.0) -> float:
    """Integrated autocorrelation time τ_int of a series, in units of its spacing.

    x: (n,) real series or (chains, n) chains of one process (pooled ACF), n ≥ 2.
    Uses Sokal's automatic window: the sum over ρ(t)
    stops at the first M with M ≥ window · τ_int(M). A constant series gives 1/2.
    The estimate is reliable when n ≳ 100 τ_int (see :func:`reliable`).
    """
    rho = autocorrelation(x)
    if rho[0] == 0.0:
        return 0.5
    taus = 0.5 + np.cumsum(rho[1:])
    lags = np.arange(1, rho.size)
    stop = np.nonzero(lags >= window * taus)[0]
    m = stop[0] if stop.size else taus.size - 1
    return float(max(taus[m], 0.5))


def integrated_times(series: np.ndarray, window: float = 6.0) -> np.ndarray:
    """τ_int of each row of ``series`` (k, n) → (k,)."""
    return np.array([integrated_time(row, window) for row in np.atleast_2d(series)])


def mean_time(series: list[np.ndarray], window: float = 6.0) -> float:
    """Mean τ_int over chains of unequal lengths (each (n_c,); chains with n_c < 2 skipped).

    Used on the recorded samples of several chains to check the thinning (≈ 1/2 when
    the samples are independent); 1/2 when no chain has two samples.
    """
    taus = [integrated_time(x, window) for x in series if x.size > 1]
    return float(np.mean(taus)) if taus else 0.5


def reliable(n: int, tau: float, factor: float = 100.0) -> bool:
    """Whether a series of n points is long enough (n ≥ factor · τ_int) to trust τ_int."""
    return n >= factor * tau


def thinning(tau: float) -> int:
    """Spacing between kept measurements: ⌈2 τ_int⌉ ≥ 1."""
    return max(1, math.ceil(2.0 * tau - 1e-9))


def binned_mean(x: np.ndarray, n_bins: int = 20) -> tuple[float, float]:
    """Mean of a series and its error from ``n_bins`` contiguous bins.

    x: (n,) series (a trailing remainder of n mod n_bins points is dropped).
    Returns (mean, standard error of the mean estimated from the bin means).
    """
    x = np.asarray(x, dtype=np.float64)
    size = x.size // n_bins
    if size < 1:
        raise ValueError(f"need at least {n_bins} points for {n_bins} bins, got {x.size}")
    means = x[: size * n_bins].reshape(n_bins, size).mean(axis=1)
    return float(means.mean()), float(means.std(ddof=1) / math.sqrt(n_bins))
