"""Lattice symmetries acting on dimer bond-grid filters, and their matrices on pristine filters.

Convention. A filter on an lv-block is a function on the bonds of the m x m
vertex torus, m = lv/2: the block is wrapped periodically onto itself, as in
the paper's analysis of the filter ensemble, so a translation by one vertex
maps the block's bonds onto themselves. Vertex (i, j) sits at x = j (column),
y = i (row). The actions are

- Tx: (x, y) -> (x + 1, y); Ty: (x, y) -> (x, y + 1) (one vertex, mod m);
- C4: (x, y) -> (-y, x) about vertex (0, 0) (mod m), a quarter turn, clockwise
  on a picture drawn with row 0 on top. It maps the horizontal bond of vertex
  (i, j) to the vertical bond of vertex (j, -i) and the vertical bond of vertex
  (i, j) to the horizontal bond of vertex (j, -i - 1).

A filter is transported with its bonds, (g Λ)(g b) = Λ(b). Bond weights are
occupation couplings of undirected bonds, so no weight changes sign: every
action is a permutation of the lv²/2 free weights, and the signs of the
induced actions (e.g. C -> -C under C4) come from the filters themselves.

Relations on the grid: C4⁴ = Tx^m = Ty^m = 1, Tx Ty = Ty Tx,
C4 Tx C4⁻¹ = Ty, C4 Ty C4⁻¹ = Tx⁻¹. On the pristine filters (m even) the
translations act as Tx² = Ty² = 1.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rsmine.analysis.dimers.pristine import (
    block_side,
    bond_labels,
    check_block,
    pristine_basis,
    to_grid,
    to_vector,
)
from rsmine.errors import InputError

ACTIONS = ("C4", "Tx", "Ty")
"""Generators of the lattice symmetries acting on a block filter."""


def destination(action: str, lv: int) -> np.ndarray:
    """Where each free weight goes: (lv²/2,) int, weight k of Λ becomes weight dest[k] of gΛ."""
    m = check_block(lv)
    horizontal, i, j = bond_labels(lv)
    if action == "Tx":
        new_h, new_i, new_j = horizontal, i, (j + 1) % m
    elif action == "Ty":
        new_h, new_i, new_j = horizontal, (i + 1) % m, j
    elif action == "C4":
        new_h, new_i = ~horizontal, j
        new_j = np.where(horizontal, -i, -i - 1) % m
    else:
        raise InputError(f"symmetry action {action!r}: expected one of {ACTIONS}")
    flat = np.full((2, m, m), -1)
    flat[(~horizontal).astype(int), i, j] = np.arange(len(i))
    return flat[(~new_h).astype(int), new_i, new_j]


def act_vector(action: str, vectors: np.ndarray) -> np.ndarray:
    """Apply ``action`` to bond vectors: (..., lv²/2) -> (..., lv²/2)."""
    vectors = np.asarray(vectors)
    lv = block_side(vectors.shape[-1])
    out = np.empty_like(vectors)
    out[..., destination(action, lv)] = vectors
    return out


def act(action: str, grids: np.ndarray) -> np.ndarray:
    """Apply ``action`` to bond-grid filters: (..., lv, lv) -> (..., lv, lv)."""
    return to_grid(act_vector(action, to_vector(grids)))


def compose(actions: Sequence[str], vectors: np.ndarray) -> np.ndarray:
    """Apply ``actions`` right to left (as a product g1 g2 ... gk written left to right)."""
    for action in reversed(actions):
        vectors = act_vector(action, vectors)
    return vectors


def induced_matrix(action: str, names: Sequence[str], lv: int, tol: float = 1e-9) -> np.ndarray:
    """Matrix of ``action`` on span{names} in the unit pristine filters ``names``.

    Column b holds the coordinates of g(B_b), so a filter with coordinates c
    maps to coordinates M @ c. Returns (k, k) float64, k = len(names); raises
    InputError when the span is not closed under the action (e.g. m odd).
    """
    basis = pristine_basis(names, lv)
    images = act_vector(action, basis)
    matrix, *_ = np.linalg.lstsq(basis.T, images.T, rcond=None)
    residual = float(np.abs(basis.T @ matrix - images.T).max())
    if residual > tol:
        raise InputError(
            f"span{{{', '.join(names)}}} on an lv = {lv} block is not closed under {action} "
            f"(residual {residual:.2g}); the alternating filters need lv divisible by 4"
        )
    return matrix
