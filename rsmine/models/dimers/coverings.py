"""Random starting coverings: Wilson's algorithm + Temperley's bijection ("Propp–Wilson", App. C).

On the n×n torus (n even, m = n/2) the vertices (2a, 2b), a, b < m, form an
m×m open grid G. Wilson's algorithm (loop-erased random walks) draws a uniform
spanning tree of G rooted at (0, 0). Temperley's bijection turns it into a
uniform covering of the (n-1)×(n-1) open block of rows and columns 0..n-2 with
(0, 0) removed: every other vertex of G pairs with the midpoint of the tree
edge towards its parent, every face centre (odd, odd) with the midpoint of the
dual-tree edge towards the outer face. The remaining 2n vertices, (0, 0) plus
row n-1 and column n-1, form a cycle of even length on the torus, covered by
one of its two perfect matchings at random.

The result is a valid covering in a restricted family (the block is planar);
:func:`random_covering` then runs worm sub-sweeps at T = ∞ so that chains
start in different winding sectors.
"""

from __future__ import annotations

import numba
import numpy as np

from rsmine.models.dimers import lattice, loops, tables

RANDOMISING_SUBSWEEPS = 20  # covering sub-sweeps at T = ∞ after the Temperley covering


@numba.njit(cache=True)
def _wilson_parents(m: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform spanning tree of the m×m open grid rooted at 0: parent direction (m*m,) int8.

    Entry v = a*m + b holds the lattice direction from v to its parent (-1 at the root).
    """
    step_a = np.array([0, 0, 1, -1])
    step_b = np.array([1, -1, 0, 0])
    parent = np.full(m * m, -1, dtype=np.int8)
    in_tree = np.zeros(m * m, dtype=np.bool_)
    in_tree[0] = True
    for start in range(m * m):
        v = start
        while not in_tree[v]:
            a, b = divmod(v, m)
            while True:
                d = min(int(rng.random() * 4), 3)
                na, nb = a + step_a[d], b + step_b[d]
                if 0 <= na < m and 0 <= nb < m:
                    break
            parent[v] = d
            v = na * m + nb
        v = start
        while not in_tree[v]:
            in_tree[v] = True
            a, b = divmod(v, m)
            d = parent[v]
            v = (a + step_a[d]) * m + b + step_b[d]
    return parent


@numba.njit(cache=True)
def _temperley(parent: np.ndarray, m: int, dirs: np.ndarray, nbr: np.ndarray) -> None:
    """Cover the block rows/cols 0..2m-2 minus (0, 0) from the tree ``parent``; writes ``dirs``.

    ``dirs`` (n*n,) int8 of the n = 2m torus must be -1 on entry.
    """
    n = 2 * m
    step_i = np.array([0, 0, 1, -1])
    step_j = np.array([1, -1, 0, 0])
    for v in range(1, m * m):
        a, b = divmod(v, m)
        d = parent[v]
        x = 2 * a * n + 2 * b
        dirs[x] = d
        dirs[nbr[x, d]] = d ^ 1
    # dual tree: breadth first from the outer face through midpoints of non-tree edges
    faces = (m - 1) * (m - 1)
    queue = np.empty(faces, dtype=np.int64)
    reached = np.zeros(faces, dtype=np.bool_)
    head, tail = 0, 0
    for f in range(faces):
        a, b = divmod(f, m - 1)
        for d in range(4):
            na, nb = a + step_i[d], b + step_j[d]
            centre = (2 * a + 1) * n + 2 * b + 1
            if reached[f] or (0 <= na < m - 1 and 0 <= nb < m - 1):
                continue
            if dirs[nbr[centre, d]] < 0:
                reached[f] = True
                dirs[centre] = d
                dirs[nbr[centre, d]] = d ^ 1
                queue[tail] = f
                tail += 1
    while head < tail:
        f = queue[head]
        head += 1
        a, b = divmod(f, m - 1)
        for d in range(4):
            na, nb = a + step_i[d], b + step_j[d]
            if not (0 <= na < m - 1 and 0 <= nb < m - 1):
                continue
            g = na * (m - 1) + nb
            centre = (2 * na + 1) * n + 2 * nb + 1
            mid = nbr[centre, d ^ 1]
            if reached[g] or dirs[mid] >= 0:
                continue
            reached[g] = True
            dirs[centre] = d ^ 1
            dirs[mid] = d
            queue[tail] = g
            tail += 1


def _boundary_cycle(n: int) -> list[tuple[int, int]]:
    """The 2n vertices left over by the block, in cycle order: (0,0), row n-1, column n-1."""
    row = [(n - 1, j) for j in range(n)]
    column = [(i, n - 1) for i in range(n - 2, -1, -1)]
    return [(0, 0), *row, *column]


def _cover_cycle(dirs: np.ndarray, nbr: np.ndarray, n: int, phase: int) -> None:
    """Pair consecutive vertices of the boundary cycle, starting at ``phase`` (0 or 1)."""
    cycle = [i * n + j for i, j in _boundary_cycle(n)]
    for t in range(phase, phase + 2 * n, 2):
        u, v = cycle[t % (2 * n)], cycle[(t + 1) % (2 * n)]
        d = next(d for d in range(4) if nbr[u, d] == v and dirs[u] < 0)
        dirs[u], dirs[v] = d, d ^ 1


def temperley_covering(n: int, rng: np.random.Generator) -> np.ndarray:
    """A covering of the n×n torus (n even) from a uniform spanning tree: dirs (n*n,) int8."""
    nbr = lattice.neighbours(n)
    dirs = np.full(n * n, -1, dtype=np.int8)
    _temperley(_wilson_parents(n // 2, rng), n // 2, dirs, nbr)
    _cover_cycle(dirs, nbr, n, int(rng.integers(2)))
    if not lattice.is_valid(lattice.grid_from_dirs(dirs, n)):
        raise AssertionError(f"Temperley construction gave an invalid {n}x{n} covering")
    return dirs


def random_covering(n: int, rng: np.random.Generator) -> np.ndarray:
    """A random starting covering: Temperley covering, then worms at T = ∞. dirs (n*n,) int8."""
    dirs = temperley_covering(n, rng)
    nbr = lattice.neighbours(n)
    cum = tables.scattering_tables(float("inf")).cum
    visit = np.zeros(n * n, dtype=np.int64)
    for stamp in range(1, RANDOMISING_SUBSWEEPS + 1):
        loops.worms(dirs, nbr, cum, rng, visit, stamp, 0)
    return dirs
