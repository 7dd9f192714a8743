"""Projections of a dimer filter ensemble onto pristine planes (Fig. 9a-f of the paper).

Every filter component of every run is one point: its unit-normalised bond
vector (``rsmine.analysis.dimers.pristine``) projected onto a plane of two unit
pristine filters, (P1, P2) or (S1, S2) = (Ex + Ey, Ex - Ey)/√2 normalised.
A filter Λ and -Λ define the same coarse-graining (H -> -H), and the two
components of a run may come in either order, so the projections keep the
sign and order each run returned: the histograms show ±Λ as separate peaks,
as the paper's do.

Peaks of a projection histogram are counted by a stated algorithm
(:func:`count_peaks`): a 2-D histogram on [-1, 1]², smoothed with a Gaussian
kernel, whose local maxima (in a square neighbourhood) reach a fraction of the
global maximum and hold a least number of filters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.ndimage import gaussian_filter, maximum_filter, uniform_filter

from rsmine.analysis.dimers.pristine import coordinates, overlap, to_vector
from rsmine.errors import InputError
from rsmine.estimator.lattices import DIMER_GRID
from rsmine.stores.ensemble import counted, read_ensemble, without_padding

PLANES = {"plaquette": ("P1", "P2"), "staggered": ("S1", "S2")}
"""The projection planes of Fig. 9: a-c on (P1, P2), d-f on (Ex + Ey, Ex - Ey)."""
SUBSPACES = {"P": ("P1", "P2"), "E": ("Ex", "Ey"), "C": ("C",)}
"""Pristine subspaces whose share of the filter norm is tabulated."""


@dataclass(frozen=True)
class FilterEnsemble:
    """The successful runs of one buffer width of a dimer ensemble store.

    vectors: (run, component, lv²/2) float64 bond vectors, as trained (not normalised).
    control: (run,) temperature of each run.
    lv: side of the visible block (grid units); lb: the buffer width.
    """

    vectors: np.ndarray
    control: np.ndarray
    lv: int
    lb: int

    @property
    def temperatures(self) -> np.ndarray:
        """The distinct temperatures, ascending."""
        return np.unique(self.control)

    def at(self, temperature: float) -> np.ndarray:
        """Bond vectors of the runs at ``temperature``: (run, component, lv²/2)."""
        return self.vectors[self.control == temperature]

    def within(self, low: float, high: float) -> FilterEnsemble:
        """The runs with low < T < high."""
        keep = (self.control > low) & (self.control < high)
        return FilterEnsemble(self.vectors[keep], self.control[keep], self.lv, self.lb)


def read_filter_ensemble(
    path: str | Path, lb: int | None = None, components: int | None = None
) -> FilterEnsemble:
    """Filters of a dimer ensemble store (``rsmine.analysis.ensembles``) at buffer width ``lb``.

    lb: the buffer width to analyse; None takes the smallest in the store.
    components: the component count of the runs to analyse, where the store mixes several
    (a components sweep); None takes the count most runs have (the one every point runs).
    Failed runs are left out. Raises InputError for a store that is not a
    dimer bond-grid ensemble, or that has no runs at ``lb``.
    """
    ensemble = read_ensemble(path)
    if ensemble.lattice != DIMER_GRID:
        raise InputError(f"{path}: lattice {ensemble.lattice!r}, expected a dimer_grid ensemble")
    filters = ensemble["filters"].astype(np.float64)
    if filters.ndim != 4 or filters.shape[-1] != filters.shape[-2]:
        raise InputError(
            f"{path}: filters of shape {filters.shape}, expected (run, component, lv, lv)"
        )
    lbs = ensemble["lb"]
    chosen = int(lbs.min()) if lb is None else int(lb)
    keep, components = counted(ensemble, lb=chosen, components=components or "main")
    if not keep.any():
        raise InputError(
            f"{path}: no successful runs at lb {chosen}"
            + ("" if components is None else f" with {components} components")
            + f" (buffer widths present: {sorted(set(lbs.tolist()))})"
        )
    control = ensemble["control"].astype(np.float64)[keep]
    kept = without_padding(filters[keep])
    return FilterEnsemble(to_vector(kept), control, filters.shape[-1], chosen)


def project(vectors: np.ndarray, plane: str, lv: int) -> np.ndarray:
    """Coordinates of unit-normalised filters on a plane of ``PLANES``: (..., w) -> (..., 2)."""
    if plane not in PLANES:
        raise InputError(f"projection plane {plane!r}: expected one of {tuple(PLANES)}")
    return coordinates(vectors, PLANES[plane], lv)


def overlap_table(ensemble: FilterEnsemble) -> pd.DataFrame:
    """Share of the filter norm in the pristine subspaces, per temperature.

    For every filter component, the fraction of its squared norm inside
    span{P1, P2}, span{Ex, Ey} and span{C}; columns T, runs, components, and
    per subspace X of ``SUBSPACES``: X_mean and X_sem (standard error of the
    mean over runs, the two components of a run averaged first since they are
    not independent).
    """
    rows = []
    for temperature in ensemble.temperatures:
        vectors = ensemble.at(temperature)
        row = {"T": temperature, "runs": vectors.shape[0], "components": vectors.shape[1]}
        for key, names in SUBSPACES.items():
            per_run = overlap(vectors, names, ensemble.lv).mean(axis=1)
            sem = per_run.std(ddof=1) / np.sqrt(len(per_run)) if len(per_run) > 1 else np.nan
            row |= {f"{key}_mean": per_run.mean(), f"{key}_sem": sem}
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class PeakSettings:
    """The peak-counting algorithm's parameters.

    bins: histogram bins per axis on [-1, 1]; sigma: Gaussian smoothing width
    (bins); neighbourhood: side (bins) of the square in which a peak is the
    maximum; threshold: a peak's smoothed height relative to the global
    maximum; min_count: least number of filters in a peak's neighbourhood (so
    that single filters of a sparse ensemble are not counted as peaks).
    """

    bins: int = 41
    sigma: float = 1.5
    neighbourhood: int = 7
    threshold: float = 0.2
    min_count: int = 3


DEFAULT_PEAKS = PeakSettings()
"""The peak-counting parameters used unless the configuration gives others."""


def count_peaks(points: np.ndarray, settings: PeakSettings = DEFAULT_PEAKS) -> np.ndarray:
    """Peaks of the smoothed histogram of points (N, 2) on [-1, 1]²: (peaks, 2) their positions.

    The points are binned (``bins`` per axis) and smoothed with a Gaussian of
    width ``sigma`` bins. A peak is a bin whose smoothed count is the maximum
    of its ``neighbourhood`` x ``neighbourhood`` square, at least
    ``threshold`` times the global maximum, and whose square holds at least
    ``min_count`` points.
    """
    points = np.asarray(points, dtype=np.float64)
    edges = np.linspace(-1.0, 1.0, settings.bins + 1)
    hist, _, _ = np.histogram2d(points[:, 0], points[:, 1], bins=[edges, edges])
    smooth = gaussian_filter(hist, settings.sigma, mode="constant")
    if smooth.max() <= 0:
        return np.zeros((0, 2))
    size = settings.neighbourhood
    local = smooth == maximum_filter(smooth, size=size, mode="constant")
    mass = uniform_filter(hist, size=size, mode="constant") * size**2
    keep = (
        local & (smooth >= settings.threshold * smooth.max()) & (mass >= settings.min_count - 1e-9)
    )
    ix, iy = np.nonzero(keep)
    centres = (edges[:-1] + edges[1:]) / 2
    return np.stack([centres[ix], centres[iy]], axis=-1)


def peak_table(ensemble: FilterEnsemble, settings: PeakSettings = DEFAULT_PEAKS) -> pd.DataFrame:
    """Number of peaks of every projection histogram: columns T, plane, points, peaks."""
    rows = []
    for temperature in ensemble.temperatures:
        for plane in PLANES:
            points = project(ensemble.at(temperature), plane, ensemble.lv).reshape(-1, 2)
            rows.append(
                {
                    "T": temperature,
                    "plane": plane,
                    "points": len(points),
                    "peaks": len(count_peaks(points, settings)),
                }
            )
    return pd.DataFrame(rows)


def nearest_temperatures(ensemble: FilterEnsemble, wanted: Sequence[float]) -> list[float]:
    """The ensemble's temperatures closest in 1/T to each of ``wanted`` (duplicates dropped)."""
    beta = 1.0 / ensemble.temperatures
    chosen = [float(ensemble.temperatures[np.argmin(np.abs(beta - 1.0 / w))]) for w in wanted]
    return list(dict.fromkeys(chosen))
