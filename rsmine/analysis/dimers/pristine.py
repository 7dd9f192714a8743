"""Pristine filters of a visible block on the dimer bond grid (DESIGN.md, 'The dimer bond grid').

A visible block of even side ``lv`` starting at an even offset of the (2n, 2n)
bond grid covers m = lv/2 vertices per side and their lv²/2 right/down bonds:

- the horizontal bond of vertex (i, j) at grid position (2i, 2j + 1),
- the vertical bond of vertex (i, j) at grid position (2i + 1, 2j),

with i the row (y) and j the column (x) of the vertex, 0 <= i, j < m. Vertex
and face positions carry no weight. A *bond vector* holds the lv²/2 free
weights in row-major grid order, the order of
``rsmine.estimator.regions.Partition.mask``; a *grid* is the (lv, lv) array
with zeros at vertex and face positions.

The pristine filters (h: weight on horizontal bonds, v: on vertical bonds):

==========  =============================  ==========================
name        definition                     meaning
==========  =============================  ==========================
C           h = +1, v = -1                 columnar; breaks C4
Psi_x       h = (-1)^j, v = 0              odd under Tx
Psi_y       h = 0, v = (-1)^i              odd under Ty
P1, P2      (Psi_x + Psi_y)/2,             plaquette filters
            (Psi_y - Psi_x)/2
Ex, Ey      h = (-1)^(i+j) / v = (-1)^(i+j)  electric field (height gradient)
S1, S2      Ex + Ey, Ex - Ey               staggered filters
==========  =============================  ==========================

For lv divisible by 4 (m even, the paper's lv = 8 included) the filters C,
Psi_x, Psi_y, Ex, Ey are mutually orthogonal; for m odd the alternating
signs do not sum to zero and C overlaps Psi and E, which is why every
projection in ``rsmine.analysis`` goes through an orthonormal basis of the
requested span rather than through raw inner products.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rsmine.errors import InputError

PRISTINE = ("C", "Psi_x", "Psi_y", "P1", "P2", "Ex", "Ey", "S1", "S2")
"""Names of the pristine filters, in DESIGN.md's order."""


def check_block(lv: int) -> int:
    """Raise InputError unless ``lv`` is a positive even block side; returns m = lv // 2."""
    if int(lv) != lv or lv < 2 or lv % 2:
        raise InputError(
            f"block side lv {lv}: a dimer visible block covers whole vertex cells, "
            "so lv must be an even integer >= 2"
        )
    return int(lv) // 2


def bond_positions(lv: int) -> np.ndarray:
    """Grid positions (row, column) of an lv-block's free weights, row-major: (lv²/2, 2) int."""
    check_block(lv)
    rows, cols = np.meshgrid(np.arange(lv), np.arange(lv), indexing="ij")
    free = (rows + cols) % 2 == 1
    return np.stack([rows[free], cols[free]], axis=-1)


def bond_labels(lv: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every free weight: (horizontal?, vertex row i, vertex column j), each (lv²/2,)."""
    pos = bond_positions(lv)
    horizontal = pos[:, 0] % 2 == 0
    return horizontal, pos[:, 0] // 2, pos[:, 1] // 2


def to_vector(grid: np.ndarray) -> np.ndarray:
    """Free weights of grid filters: (..., lv, lv) -> (..., lv²/2), row-major."""
    grid = np.asarray(grid)
    lv = grid.shape[-1]
    if grid.ndim < 2 or grid.shape[-2] != lv:
        raise InputError(f"a bond-grid filter has two equal trailing axes, got shape {grid.shape}")
    pos = bond_positions(lv)
    return grid[..., pos[:, 0], pos[:, 1]]


def to_grid(vector: np.ndarray) -> np.ndarray:
    """Grid filters of bond vectors: (..., lv²/2) -> (..., lv, lv), zero off the bonds."""
    vector = np.asarray(vector)
    lv = block_side(vector.shape[-1])
    pos = bond_positions(lv)
    grid = np.zeros((*vector.shape[:-1], lv, lv), dtype=vector.dtype)
    grid[..., pos[:, 0], pos[:, 1]] = vector
    return grid


def block_side(n_weights: int) -> int:
    """The block side lv whose block has ``n_weights`` = lv²/2 free weights."""
    lv = round(np.sqrt(2 * n_weights))
    if lv * lv != 2 * n_weights:
        raise InputError(
            f"{n_weights} bond weights: expected lv²/2 for an even block side lv (e.g. 32 for 8)"
        )
    check_block(lv)
    return lv


def pristine_vector(name: str, lv: int) -> np.ndarray:
    """The pristine filter ``name`` as a bond vector of an lv-block: (lv²/2,) float64."""
    horizontal, i, j = bond_labels(lv)
    h, v = horizontal.astype(float), (~horizontal).astype(float)
    psi_x, psi_y = h * (-1.0) ** j, v * (-1.0) ** i
    ex, ey = h * (-1.0) ** (i + j), v * (-1.0) ** (i + j)
    table = {
        "C": h - v,
        "Psi_x": psi_x,
        "Psi_y": psi_y,
        "P1": (psi_x + psi_y) / 2,
        "P2": (psi_y - psi_x) / 2,
        "Ex": ex,
        "Ey": ey,
        "S1": ex + ey,
        "S2": ex - ey,
    }
    if name not in table:
        raise InputError(f"pristine filter {name!r}: expected one of {PRISTINE}")
    return table[name]


def pristine_grid(name: str, lv: int) -> np.ndarray:
    """The pristine filter ``name`` as an (lv, lv) grid, zero at vertex and face positions."""
    return to_grid(pristine_vector(name, lv))


def pristine_basis(names: Sequence[str], lv: int) -> np.ndarray:
    """Unit-norm pristine filters ``names`` as rows: (len(names), lv²/2) float64."""
    rows = np.stack([pristine_vector(name, lv) for name in names])
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def span_basis(names: Sequence[str], lv: int) -> np.ndarray:
    """An orthonormal basis of span{names} as rows: (rank, lv²/2) float64."""
    q, r = np.linalg.qr(pristine_basis(names, lv).T)
    rank = int((np.abs(np.diag(r)) > 1e-10).sum())
    return q[:, :rank].T


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Bond vectors (..., w) scaled to unit norm, float64; zero vectors stay zero."""
    vectors = np.asarray(vectors, dtype=np.float64)
    norm = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return np.divide(vectors, norm, out=np.zeros_like(vectors), where=norm > 0)


def coordinates(vectors: np.ndarray, names: Sequence[str], lv: int) -> np.ndarray:
    """Inner products of unit-normalised bond vectors with the unit pristine filters ``names``.

    vectors: (..., lv²/2). Returns (..., len(names)); zero vectors give zeros.
    """
    return normalise(vectors) @ pristine_basis(names, lv).T


def overlap(vectors: np.ndarray, names: Sequence[str], lv: int) -> np.ndarray:
    """Share of each bond vector's squared norm inside span{names}: (..., w) -> (...,) in [0, 1]."""
    vectors = np.asarray(vectors, dtype=np.float64)
    inside = ((vectors @ span_basis(names, lv).T) ** 2).sum(axis=-1)
    total = (vectors**2).sum(axis=-1)
    return np.divide(inside, total, out=np.zeros_like(total), where=total > 0)
