"""Directed-loop (worm) updates of dimer coverings: numba kernels (App. C of the paper).

A worm starts at a random vertex i0 (its tail), removes the dimer (i0, j) and
puts the head at j. At the head p the next dimer goes on one of p's four bonds,
drawn from the scattering table of p's local environment given the bond the
worm came in through; the vertex k at its far end loses its old dimer (k, s)
and s becomes the head. The loop closes when k is the tail. Every placement is
one worm step; a bounce (the new dimer on the incoming bond) sends the worm
back the way it came.

One kernel, :func:`worms`, works in place on the partner directions ``dirs``
(n*n,) int8 of :mod:`.lattice`, takes the neighbour table ``nbr`` (n*n, 4)
int32, the cumulative scattering tables ``cum`` (81, 4, 4) float64, an
explicit ``np.random.Generator`` and a preallocated ``visit`` (n*n,) int64
stamp array, and allocates nothing; how many worms it builds (a fixed count,
or until every vertex is visited) is its one argument that varies.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, inline="always")
def _environment(dirs: np.ndarray, nbr: np.ndarray, p: int) -> int:
    """Environment index N_R + 3 N_L + 9 N_D + 27 N_U of the head p (see :mod:`.tables`)."""
    right = dirs[nbr[p, 0]]
    left = dirs[nbr[p, 1]]
    down = dirs[nbr[p, 2]]
    up = dirs[nbr[p, 3]]
    n_r = (down == 0) + (up == 0)
    n_l = (down == 1) + (up == 1)
    n_d = (right == 2) + (left == 2)
    n_u = (right == 3) + (left == 3)
    return n_r + 3 * n_l + 9 * n_d + 27 * n_u


@numba.njit(cache=True)
def worms(
    dirs: np.ndarray,
    nbr: np.ndarray,
    cum: np.ndarray,
    rng: np.random.Generator,
    visit: np.ndarray,
    stamp: int,
    count: int,
) -> tuple[int, int]:
    """Build and close worms in place: ``count`` of them, or with ``count = 0`` until
    every vertex has been visited (a covering sub-sweep, the paper's Alg. 2).

    Vertices a worm touches get ``visit[v] = stamp``; in the covering mode a
    vertex counts as visited once it holds ``stamp``, so pass a stamp that no
    vertex holds yet. A fixed count keeps the chain exactly Boltzmann-stationary;
    the covering rule is a stopping time that depends on the configuration, so it
    serves thermalisation and the calibration of ``count``, never stored samples.
    Returns (worms built, total worm steps).
    """
    n_vertices = dirs.shape[0]
    unvisited = n_vertices
    built = 0
    steps = 0
    while (count > 0 and built < count) or (count == 0 and unvisited > 0):
        tail = min(int(rng.random() * n_vertices), n_vertices - 1)
        came = dirs[tail]
        head = nbr[tail, came]
        dirs[tail] = -1
        dirs[head] = -1
        unvisited -= (visit[tail] != stamp) + (visit[head] != stamp)
        visit[tail] = stamp
        visit[head] = stamp
        incoming = came ^ 1
        while True:
            row = cum[_environment(dirs, nbr, head), incoming]
            u = rng.random()
            out = 0
            while out < 3 and u >= row[out]:
                out += 1
            k = nbr[head, out]
            dirs[head] = out
            steps += 1
            old = dirs[k]
            dirs[k] = out ^ 1
            if old < 0:
                break
            head = nbr[k, old]
            dirs[head] = -1
            incoming = old ^ 1
            unvisited -= (visit[k] != stamp) + (visit[head] != stamp)
            visit[k] = stamp
            visit[head] = stamp
        built += 1
    return built, steps
