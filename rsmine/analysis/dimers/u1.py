"""Emergent U(1): the angle of the filters in the (S1, S2) = (Ex + Ey, Ex - Ey) plane.

Lattice symmetries rotate that plane by multiples of π/2 (C4: S1 -> -S2,
S2 -> S1; Tx, Ty: S -> -S), so a lattice-bound ensemble has at most four- or
eight-fold structure in the angle θ = atan2(s2, s1), while an emergent U(1)
makes θ uniform (Fig. 9d-f of the paper). Per temperature this module tests θ
for uniformity on the harmonics 4 and 8 (``rsmine.analysis.circular``).

One angle per run: the two components of a run are not independent (a pair of
staggered filters sits at θ and θ ± π/2), so of each run only the component
with the largest share of its norm in span{Ex, Ey} enters, and only when that
share reaches ``min_overlap`` (below it the angle is the direction of noise,
not of an electric-field filter).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rsmine.analysis.circular import HARMONICS, harmonic_rayleigh
from rsmine.analysis.dimers.pristine import overlap
from rsmine.analysis.dimers.projections import FilterEnsemble, project

MIN_OVERLAP = 0.5
"""Default least share of a component's squared norm in span{Ex, Ey} for its angle to count."""


def run_angles(vectors: np.ndarray, lv: int, min_overlap: float = MIN_OVERLAP) -> np.ndarray:
    """One angle per run in the (S1, S2) plane: (run, component, lv²/2) -> (n,) radians in (-π, π].

    Runs whose best component has less than ``min_overlap`` of its squared
    norm in span{Ex, Ey} are left out, so n <= runs.
    """
    share = overlap(vectors, ("Ex", "Ey"), lv)
    best = np.argmax(share, axis=1)
    rows = np.arange(len(vectors))
    keep = share[rows, best] >= min_overlap
    xy = project(vectors[rows, best][keep], "staggered", lv)
    return np.arctan2(xy[:, 1], xy[:, 0])


def u1_table(ensemble: FilterEnsemble, min_overlap: float = MIN_OVERLAP) -> pd.DataFrame:
    """Uniformity of the (S1, S2) angle per temperature.

    Columns: T, runs, n (runs whose angle counts), R4, R8 (mean resultant
    lengths of 4θ and 8θ), Z (= 2n(R4² + R8²)) and p (its χ²(4) p-value;
    small p: the angles are not uniform, the ensemble has no U(1)).
    """
    rows = []
    for temperature in ensemble.temperatures:
        vectors = ensemble.at(temperature)
        test = harmonic_rayleigh(run_angles(vectors, ensemble.lv, min_overlap), HARMONICS)
        rows.append(
            {
                "T": temperature,
                "runs": len(vectors),
                "n": test.n,
                **{f"R{k}": r for k, r in test.resultant.items()},
                "Z": test.statistic,
                "p": test.p_value,
            }
        )
    return pd.DataFrame(rows)
