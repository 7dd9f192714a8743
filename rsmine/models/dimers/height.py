"""The height field of a dimer covering: Z₄ heights on the faces of the square lattice.

Convention (Henley's, on the dual lattice). Face (i, j) is the plaquette with corners
(i, j), (i, j+1), (i+1, j), (i+1, j+1), at G[2i+1, 2j+1] of the bond grid. Vertices with
i + j even form sublattice A. Stepping from a face to a neighbouring face crosses one bond;
with the bond's A end on the left of the step (axes x = j, y = i, counter-clockwise from
+x to +y) the height changes by +1 across an empty bond and by −3 across a dimer, and by
−1 / +3 with the A end on the right. Going once around any vertex crosses its four bonds,
exactly one holding a dimer, so the sum is 0: the height is single-valued on the plane.
On the torus it is single-valued up to the winding: once around along x it changes by
−4·Wy, once around along y by +4·Wx (Wx, Wy of :func:`lattice.winding`).

Every step changes h by 1 mod 4 whatever the bond holds, so h mod 4 depends on the face
alone (a fixed 2×2 pattern {0, 1; 3, 2}); the covering lives in the integer part. Heights
here are anchored at h(0, 0) = 0 and are integers; φ = (π/2)·h (radians). The four
columnar coverings have flat profiles of mean φ ∈ {π/4, 3π/4, 5π/4, 7π/4} mod 2π.
"""

from __future__ import annotations

import math

import numpy as np

from rsmine.errors import InputError
from rsmine.models.dimers.lattice import is_valid


def steps(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Height differences (dx, dy), each (..., n, n) int64, of coverings (..., 2n, 2n).

    dx[i, j] = h(i, j+1) − h(i, j) and dy[i, j] = h(i+1, j) − h(i, j) (indices mod n), read
    off the bond crossed by the step: the vertical bond at vertex (i, j+1), resp. the
    horizontal bond at vertex (i+1, j).
    """
    grid = np.asarray(grid).astype(np.int64)
    h, v = grid[..., 0::2, 1::2], grid[..., 1::2, 0::2]
    n = h.shape[-1]
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    even = (i + j) % 2 == 0
    # step +x: A end (i+1, j+1) on the left iff i + j even; step +y: A end (i+1, j) on the
    # left iff i + j odd
    dx = np.where(even, 1, -1) * (1 - 4 * np.roll(v, -1, axis=-1))
    dy = np.where(even, -1, 1) * (1 - 4 * np.roll(h, -1, axis=-2))
    return dx, dy


def heights(grid: np.ndarray) -> np.ndarray:
    """Integer heights (..., n, n) int64 on the faces of coverings (..., 2n, 2n), h(0, 0) = 0.

    Integrated down column 0, then along each row; the steps across the seams (row n−1 to
    row 0, column n−1 to column 0) are the only ones that differ from :func:`steps`, by
    the winding (module docstring). Raises InputError unless every grid is a covering.
    """
    grid = np.asarray(grid)
    if grid.ndim < 2 or grid.shape[-1] != grid.shape[-2] or grid.shape[-1] % 2:
        raise InputError(f"dimer bond grids must be (..., 2n, 2n), got shape {grid.shape}")
    if not np.all(is_valid(grid)):
        raise InputError(
            "height field: a grid is not a dimer covering (a vertex without "
            "exactly one dimer, or a set vertex/face entry)"
        )
    dx, dy = steps(grid)
    column = np.cumsum(dy[..., :-1, 0], axis=-1)
    start = np.concatenate([np.zeros_like(column[..., :1]), column], axis=-1)
    rows = np.cumsum(dx[..., :, :-1], axis=-1)
    return start[..., :, None] + np.concatenate([np.zeros_like(rows[..., :1]), rows], axis=-1)


def phase(h: np.ndarray) -> np.ndarray:
    """φ = (π/2)·h in radians, same shape as the heights h."""
    return (math.pi / 2) * np.asarray(h, dtype=np.float64)


def block_average(field: np.ndarray, block: int) -> np.ndarray:
    """Averages (..., n/b, n/b) of a face field (..., n, n) over disjoint b×b blocks.

    Blocks tile the faces from (0, 0), so none straddles the seams where the integrated
    height jumps by the winding. Raises InputError unless b divides n.
    """
    field = np.asarray(field, dtype=np.float64)
    n = field.shape[-1]
    if block < 1 or n % block:
        raise InputError(f"block {block}: must divide the {n} faces per side")
    m = n // block
    shaped = field.reshape(*field.shape[:-2], m, block, m, block)
    return shaped.mean(axis=(-3, -1))
