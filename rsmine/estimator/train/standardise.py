"""Per-site standardisation of the estimator's inputs with the training part's statistics.

The critic's input E is centred and scaled per site (``standardise``), and Λ acts on V centred
(``centre``) and scaled (``scale_v``) per site: v' = (v − μ_V) / σ_V, e' = (e − μ_E) / σ_E, the
means μ and standard deviations σ (ddof 0) taken over the training part's configurations and
all V origins. A site that is constant on the training part keeps scale 1. Spins ±1 barely
change; dimer occupations (0/1, σ ≈ 0.43) and chipping masses (heavy tailed) reach the critic
on one scale. With ``whiten`` the critic reads e' = (e − μ_E) W instead, W = C^(−1/2) the
inverse square root of E's training-part covariance C (ridge :data:`RIDGE` of its mean
eigenvalue): the sum of chipping masses, fixed up to V and the buffer by mass conservation,
is E's direction of least variance, buried under per-site noise after a per-site scaling.
The paper's H = τ(Λ·v) and raw E are recovered with all of them off.
"""

from dataclasses import dataclass

import numpy as np
import torch

# configurations per pass when accumulating the moments (bounds the float64 copies)
MOMENT_CHUNK = 256
# a site whose standard deviation is below this (in its own units) is treated as constant
CONSTANT = 1e-6
# whitening's ridge, a fraction of the covariance's mean eigenvalue (keeps W finite on
# constrained directions, e.g. a site constant on the training part)
RIDGE = 1e-3


def _training_chunks(a: np.ndarray, rows: np.ndarray):
    """The windows of a (N, O, n) at the configurations ``rows`` (m,), MOMENT_CHUNK
    configurations at a time: (chunk·O, n) float64 blocks."""
    for start in range(0, len(rows), MOMENT_CHUNK):
        chunk = np.asarray(a[np.sort(rows[start : start + MOMENT_CHUNK])], np.float64)
        yield chunk.reshape(-1, a.shape[-1])


def site_moments(a: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation (ddof 0) of each site of a (N, O, n) over the
    configurations ``rows`` (m,) and every origin; (n,) float64 each, accumulated in chunks."""
    total = np.zeros(a.shape[-1])
    squares = np.zeros(a.shape[-1])
    for x in _training_chunks(a, rows):
        total += x.sum(axis=0)
        squares += np.square(x).sum(axis=0)
    count = max(len(rows) * a.shape[1], 1)
    mean = total / count
    return mean, np.sqrt(np.maximum(squares / count - mean**2, 0.0))


def site_covariance(a: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean (n,) and covariance (n, n) (ddof 0) of the sites of a (N, O, n) over the
    configurations ``rows`` (m,) and every origin, float64, in one pass of chunks."""
    total = np.zeros(a.shape[-1])
    products = np.zeros((a.shape[-1], a.shape[-1]))
    for x in _training_chunks(a, rows):
        total += x.sum(axis=0)
        products += x.T @ x
    count = max(len(rows) * a.shape[1], 1)
    mean = total / count
    return mean, products / count - np.outer(mean, mean)


def whitening(covariance: np.ndarray) -> np.ndarray:
    """W = (C + ε)^(−1/2) (n, n), symmetric (ZCA), ε = RIDGE × C's mean eigenvalue."""
    eigenvalues, vectors = np.linalg.eigh(covariance)
    ridge = RIDGE * max(float(eigenvalues.mean()), CONSTANT)
    return (vectors / np.sqrt(np.maximum(eigenvalues, 0.0) + ridge)) @ vectors.T


@dataclass
class Standardisation:
    """v' = (v − v_centre) / v_scale, e' = (e − e_centre) / e_scale [@ e_whiten]; centres and
    scales (n,) float32 on the device (centres 0 and scales 1 where an option turns them
    off), e_whiten (n_env, n_env) or None."""

    v_centre: torch.Tensor
    v_scale: torch.Tensor
    e_centre: torch.Tensor
    e_scale: torch.Tensor
    e_whiten: torch.Tensor | None = None

    @classmethod
    def fit(
        cls,
        v: np.ndarray,
        e: np.ndarray,
        train: np.ndarray,
        *,
        centre: bool,
        scale_v: bool,
        standardise: bool,
        device: torch.device,
        whiten: bool = False,
    ) -> "Standardisation":
        """Statistics of v (N, O, n_visible) and e (N, O, n_env) on the training rows (m,).

        centre: V centred on its mean; scale_v: V scaled; standardise: E centred and scaled;
        whiten: E centred and whitened (its scale is then part of W).
        """
        v_mean, v_std = site_moments(v, train) if centre or scale_v else (None, None)
        n_v, n_e = v.shape[-1], e.shape[-1]
        stats = {
            "v_centre": v_mean if centre else np.zeros(n_v),
            "v_scale": _scale(v_std) if scale_v else np.ones(n_v),
            "e_centre": np.zeros(n_e),
            "e_scale": np.ones(n_e),
        }
        if whiten:
            e_mean, covariance = site_covariance(e, train)
            stats |= {"e_centre": e_mean, "e_whiten": whitening(covariance)}
        elif standardise:
            e_mean, e_std = site_moments(e, train)
            stats |= {"e_centre": e_mean, "e_scale": _scale(e_std)}
        return cls(
            **{k: torch.as_tensor(s, dtype=torch.float32, device=device) for k, s in stats.items()}
        )

    def apply(self, v: torch.Tensor, e: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(m, n_visible), (m, n_env) raw -> standardised (new tensors)."""
        e = (e - self.e_centre) / self.e_scale
        return (v - self.v_centre) / self.v_scale, e if self.e_whiten is None else e @ self.e_whiten

    def record(self) -> dict[str, np.ndarray]:
        """The statistics as float32 numpy arrays (what a runs store records): the four of
        :data:`STATISTICS`, and ``e_whiten`` where E is whitened."""
        names = (*STATISTICS, "e_whiten") if self.e_whiten is not None else STATISTICS
        return {k: getattr(self, k).cpu().numpy() for k in names}


STATISTICS = ("v_centre", "v_scale", "e_centre", "e_scale")


def _scale(std: np.ndarray) -> np.ndarray:
    return np.where(std > CONSTANT, std, 1.0)
