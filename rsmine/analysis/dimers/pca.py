"""Principal component analysis of a dimer filter ensemble (Fig. 8 of the paper).

Every filter component of every run is one point in the space of lv²/2 bond
weights, unit-normalised (the scale of Λ does not change the discrete
coarse-graining H). Two ambiguities are removed explicitly:

- sign: Λ and -Λ give the same coarse-graining (H -> -H), and a run returns
  either at random. The PCA is fitted on the ±copies of every filter, so the
  fitted mean is exactly zero and the principal axes are the eigenvectors of
  the second-moment matrix Σ ΛΛᵀ, which no sign choice changes. (Fitting on
  the raw filters would let the random signs shift the mean and tilt the axes.)
- component order: the components of a run are separate points, so their
  order does not matter.

The principal angles between the span of the top components and a pristine
subspace (span{P1, P2}, span{Ex, Ey}) say how close the ensemble's leading
directions are to the lattice operators (0° = contained).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA

from rsmine.analysis.dimers.pristine import normalise, span_basis
from rsmine.analysis.dimers.projections import SUBSPACES, FilterEnsemble
from rsmine.errors import InputError


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Flatten (..., w) filters to (N, w) rows of unit norm (zero rows dropped)."""
    rows = normalise(np.reshape(vectors, (-1, np.shape(vectors)[-1])))
    return rows[np.linalg.norm(rows, axis=-1) > 0]


def fit_signless_pca(vectors: np.ndarray) -> PCA:
    """PCA of filters (..., w), invariant under the sign of each filter (fitted on ±copies)."""
    rows = unit_rows(vectors)
    if len(rows) < 2:
        raise InputError(f"ensemble PCA: {len(rows)} nonzero filters, expected at least 2")
    return PCA().fit(np.concatenate([rows, -rows]))


def principal_angles(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Principal angles (degrees, ascending) between span(rows of a) and span(rows of b)."""
    return np.sort(np.degrees(subspace_angles(np.asarray(a).T, np.asarray(b).T)))


@dataclass(frozen=True)
class EnsemblePCA:
    """Result of :func:`ensemble_pca`.

    explained: (w,) explained-variance ratio of every component, descending.
    components: (w, w) unit principal axes as rows (bond vectors).
    angles: principal angles (degrees) between span(top 2) and each pristine
        subspace of ``SUBSPACES`` with two filters ("P", "E"): {key: (2,)}.
    window: the (low, high) temperature window of the fit; filters: points fitted.
    """

    explained: np.ndarray
    components: np.ndarray
    angles: dict[str, np.ndarray]
    window: tuple[float, float]
    filters: int


def ensemble_pca(ensemble: FilterEnsemble, window: tuple[float, float]) -> EnsemblePCA:
    """Sign-free PCA of the filters with window[0] < T < window[1]."""
    inside = ensemble.within(*window)
    if len(inside.vectors) == 0:
        raise InputError(
            f"PCA window {list(window)}: no temperature of the ensemble lies inside "
            f"(temperatures: {ensemble.temperatures.tolist()})"
        )
    pca = fit_signless_pca(inside.vectors)
    top = pca.components_[:2]
    angles = {
        key: principal_angles(top, span_basis(names, ensemble.lv))
        for key, names in SUBSPACES.items()
        if len(names) == 2
    }
    return EnsemblePCA(
        pca.explained_variance_ratio_,
        pca.components_,
        angles,
        (float(window[0]), float(window[1])),
        int(inside.vectors.shape[0] * inside.vectors.shape[1]),
    )


def project_on_components(vectors: np.ndarray, result: EnsemblePCA, k: int = 2) -> np.ndarray:
    """Coordinates of unit-normalised filters (..., w) on the top ``k`` principal axes: (..., k)."""
    return normalise(vectors) @ result.components[:k].T


def pca_table(result: EnsemblePCA) -> pd.DataFrame:
    """The PCA spectrum and principal angles as a table.

    One row per principal component (1-based ``component``): ``explained``
    (variance ratio) and ``cumulative``; for components 1 and 2 also
    ``angle_P`` and ``angle_E``, the first and second principal angles
    (degrees) between span(PC1, PC2) and span{P1, P2}, span{Ex, Ey}.
    """
    w = len(result.explained)
    table = pd.DataFrame(
        {
            "component": np.arange(1, w + 1),
            "explained": result.explained,
            "cumulative": np.cumsum(result.explained),
        }
    )
    for key, angles in result.angles.items():
        column = np.full(w, np.nan)
        column[: len(angles)] = angles
        table[f"angle_{key}"] = column
    return table
