"""Height-field histograms of dimer ensembles (paper Fig. 10): lattice φ and its block averages.

The lattice height φ = (π/2)·h on the faces (:mod:`rsmine.models.dimers.height`) takes four
values mod 2π whatever the temperature; averaged over b×b blocks of faces it smears into a
quasi-continuous variable, locked near the four columnar values {π/4, 3π/4, 5π/4, 7π/4} in
the columnar phase and spread over the circle at high T. ``lock`` = ⟨cos 4φ_b⟩ measures the
locking: −1 on the columnar plateaus, about 0 for a uniform φ_b, +1 for φ on the lattice
values {0, π/2, π, 3π/2}. The figure is :func:`rsmine.figures.dimers.height_histograms`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from rsmine.models.dimers import height

TWO_PI = 2 * math.pi


def phase_histograms(
    grids: np.ndarray, blocks: Sequence[int] = (1, 4, 8), bins: int = 16
) -> pd.DataFrame:
    """Histograms of φ_b mod 2π over every face block of every covering.

    grids: (N, 2n, 2n) coverings; blocks: block sides b in faces (1: φ itself), each
    dividing n. Bins are centred on the multiples of 2π/bins. A b×b average moves in steps
    of 2π/b² (a plaquette flip changes one height by 4), so 16 bins give one possible value
    per bin at b = 4. Returns a DataFrame, one row per (block, bin): block, lo, hi (radians),
    density (per radian, integrating to 1 over the circle), lock (⟨cos 4φ_b⟩, per block).
    """
    phi = height.phase(height.heights(grids))
    rows = []
    half = math.pi / bins
    edges = np.linspace(-half, TWO_PI - half, bins + 1)  # multiples of 2π/bins at bin centres
    for b in blocks:
        values = np.mod(height.block_average(phi, b) + half, TWO_PI).ravel() - half
        density, _ = np.histogram(values, bins=edges, density=True)
        lock = float(np.cos(4 * values).mean())
        rows.extend(
            {"block": b, "lo": lo, "hi": hi, "density": d, "lock": lock}
            for lo, hi, d in zip(edges[:-1], edges[1:], density, strict=True)
        )
    return pd.DataFrame(rows)
