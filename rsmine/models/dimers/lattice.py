"""The n×n periodic vertex lattice of the dimer model and its (2n, 2n) bond grid.

Two encodings of one covering (DESIGN.md, "The dimer bond grid"):

- the bond grid G, (..., 2n, 2n) int8: G[2i, 2j+1] = 1 for a dimer on the
  horizontal bond (i, j)–(i, j+1), G[2i+1, 2j] = 1 for a dimer on the vertical
  bond (i, j)–(i+1, j); vertex and face entries are 0. Row i is y, column j is x.
- the partner directions ``dirs``, (n*n,) int8 over vertices v = i*n + j: the
  direction of the dimer at v (``RIGHT``, ``LEFT``, ``DOWN``, ``UP``), or -1
  for an empty vertex (a monomer: the worm's tail or head). The worm kernels
  work on this one.

The energy is aligning: E = -(number of plaquettes holding two parallel
dimers), Boltzmann weight exp(-E/T); the ground states are the four columnar
coverings with E = -n²/2.
"""

from __future__ import annotations

import numpy as np

RIGHT, LEFT, DOWN, UP = 0, 1, 2, 3  # +x, -x, +y (i+1), -y (i-1); opposite = d ^ 1
_STEP = np.array([[0, 1], [0, -1], [1, 0], [-1, 0]])  # (di, dj) of each direction


def neighbours(n: int) -> np.ndarray:
    """Neighbour table (n*n, 4) int32: vertex v = i*n + j to its neighbour in each direction."""
    i, j = np.divmod(np.arange(n * n), n)
    cols = [((i + di) % n) * n + (j + dj) % n for di, dj in _STEP]
    return np.stack(cols, axis=1).astype(np.int32)


def _bonds(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical bond occupations (..., n, n) of grids (..., 2n, 2n)."""
    return grid[..., 0::2, 1::2], grid[..., 1::2, 0::2]


def is_valid(grid: np.ndarray) -> np.ndarray:
    """Whether each grid (..., 2n, 2n) is a dimer covering: (...,) bool.

    Every vertex touches exactly one dimer, bond entries are 0 or 1, vertex and
    face entries are 0.
    """
    grid = np.asarray(grid)
    h, v = _bonds(grid)
    degree = h + np.roll(h, 1, axis=-1) + v + np.roll(v, 1, axis=-2)
    binary = ((h == 0) | (h == 1)) & ((v == 0) | (v == 1))
    blank = (grid[..., 0::2, 0::2] == 0) & (grid[..., 1::2, 1::2] == 0)
    return ((degree == 1) & binary & blank).all(axis=(-2, -1))


def energy(grid: np.ndarray) -> np.ndarray:
    """E = -(plaquettes with two parallel dimers) of grids (..., 2n, 2n): (...,) int64."""
    h, v = _bonds(np.asarray(grid).astype(np.int64))
    pairs = h * np.roll(h, -1, axis=-2) + v * np.roll(v, -1, axis=-1)
    return -pairs.sum(axis=(-2, -1))


def columnar(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Columnar order (Dx, Dy), each (...,) float64, of grids (..., 2n, 2n).

    Dx = (2/N) Σ (-1)^x n_h, Dy = (2/N) Σ (-1)^y n_v with N = n² vertices; the
    four columnar states have (Dx, Dy) = (±1, 0), (0, ±1).
    """
    h, v = _bonds(np.asarray(grid).astype(np.int64))
    n = h.shape[-1]
    sign = 1 - 2 * (np.arange(n) % 2)
    dx = (h * sign[None, :]).sum(axis=(-2, -1)) * 2.0 / n**2
    dy = (v * sign[:, None]).sum(axis=(-2, -1)) * 2.0 / n**2
    return dx, dy


def winding(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Winding numbers (Wx, Wy), each (...,) int64, of coverings (..., 2n, 2n).

    Wx = Σ_y (-1)^(x+y) n_h(x, y) through the cut between columns x and x+1
    (independent of x), Wy = Σ_x (-1)^(x+y) n_v(x, y) likewise; both lie in
    [-n/2, n/2].
    """
    h, v = _bonds(np.asarray(grid).astype(np.int64))
    n = h.shape[-1]
    sign = 1 - 2 * (np.arange(n) % 2)
    return (h[..., :, 0] * sign).sum(axis=-1), (v[..., 0, :] * sign).sum(axis=-1)


def grid_from_dirs(dirs: np.ndarray, n: int) -> np.ndarray:
    """Bond grid (..., 2n, 2n) int8 of partner directions (..., n*n)."""
    dirs = np.asarray(dirs).reshape(*np.shape(dirs)[:-1], n, n)
    grid = np.zeros((*dirs.shape[:-2], 2 * n, 2 * n), dtype=np.int8)
    grid[..., 0::2, 1::2] = dirs == RIGHT
    grid[..., 1::2, 0::2] = dirs == DOWN
    return grid


def dirs_from_grid(grid: np.ndarray) -> np.ndarray:
    """Partner directions (n*n,) int8 of one covering (2n, 2n); -1 where a vertex is empty."""
    h, v = _bonds(np.asarray(grid))
    n = h.shape[-1]
    dirs = np.full((n, n), -1, dtype=np.int8)
    dirs[h == 1] = RIGHT
    dirs[np.roll(h, 1, axis=-1) == 1] = LEFT
    dirs[v == 1] = DOWN
    dirs[np.roll(v, 1, axis=-2) == 1] = UP
    return dirs.reshape(n * n)
