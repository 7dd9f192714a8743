"""Numba kernels of the 2-D Ising sampler (:mod:`rsmine.models.ising`): Wolff clusters,
checkerboard Metropolis sweeps, the energy, and whole thinned chains, each drawing from
a SplitMix64 stream passed in as ``state`` and filling preallocated work arrays.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from rsmine.models import splitmix


@njit(cache=True, nogil=True, inline="always")
def _grow(
    spins: np.ndarray,
    y: int,
    x: int,
    s0: np.int8,
    word: np.uint64,
    threshold: np.uint64,
    stack: np.ndarray,
    top: int,
) -> int:
    """Add site (y, x) to the cluster if it is aligned with s0 and word < threshold.

    Branch-free: the site is always written at stack[top], and top advances only
    when the site joins (then it is flipped). Returns the new top.
    """
    join = (spins[y, x] == s0) & (word < threshold)
    stack[0, top] = y
    stack[1, top] = x
    spins[y, x] = spins[y, x] * np.int8(1 - 2 * join)
    return top + join


@njit(cache=True, nogil=True)
def wolff_step(
    spins: np.ndarray, threshold: np.uint64, state: np.ndarray, stack: np.ndarray
) -> int:
    """Grow and flip one Wolff cluster of the ferromagnet in place; returns its size.

    spins: (L, L) int8 ±1. threshold: 64-bit threshold of p_add = 1 − e^(−2|J|/T)
    (:func:`splitmix.threshold_u64`). state: SplitMix64 state (2,) uint64.
    stack: (2, L² + 1) int32 work array of (y, x) cluster sites. Every bond out of
    a cluster site consumes one random word, drawn or not, so the loop has no
    data-dependent branches besides the stack itself.
    """
    size = spins.shape[0]
    y0 = splitmix.below(state, size)
    x0 = splitmix.below(state, size)
    key = state[0]
    counter = state[1]
    s0 = spins[y0, x0]
    spins[y0, x0] = -s0
    stack[0, 0] = y0
    stack[1, 0] = x0
    top = 1
    flipped = 1
    gamma = splitmix.GAMMA
    gamma2 = gamma + gamma
    gamma3 = gamma2 + gamma
    while top > 0:
        top -= 1
        y = stack[0, top]
        x = stack[1, top]
        before = top
        base = key + counter * gamma
        counter += np.uint64(4)
        right = x + 1 if x + 1 < size else 0
        left = x - 1 if x > 0 else size - 1
        down = y + 1 if y + 1 < size else 0
        up = y - 1 if y > 0 else size - 1
        top = _grow(spins, y, right, s0, splitmix.mix(base), threshold, stack, top)
        top = _grow(spins, y, left, s0, splitmix.mix(base + gamma), threshold, stack, top)
        top = _grow(spins, down, x, s0, splitmix.mix(base + gamma2), threshold, stack, top)
        top = _grow(spins, up, x, s0, splitmix.mix(base + gamma3), threshold, stack, top)
        flipped += top - before
    state[1] = counter
    return flipped


@njit(cache=True, nogil=True)
def split(spins: np.ndarray, halves: np.ndarray) -> None:
    """Checkerboard layout: spins (L, L) → halves (2, L, L/2), site (y, x) at [(x+y)&1, y, x>>1]."""
    size = spins.shape[0]
    for y in range(size):
        for x in range(size):
            halves[(x + y) & 1, y, x >> 1] = spins[y, x]


@njit(cache=True, nogil=True)
def merge(halves: np.ndarray, spins: np.ndarray) -> None:
    """Inverse of :func:`split`: halves (2, L, L/2) → spins (L, L)."""
    size = spins.shape[0]
    for y in range(size):
        for x in range(size):
            spins[y, x] = halves[(x + y) & 1, y, x >> 1]


@njit(cache=True, nogil=True)
def metropolis_sweep(
    halves: np.ndarray,
    t2: np.uint64,
    t4: np.uint64,
    state: np.ndarray,
    rbuf: np.ndarray,
    pad: np.ndarray,
) -> int:
    """One checkerboard Metropolis sweep of the ferromagnet in place; returns accepted flips.

    halves: (2, L, L/2) int8 ±1 in the :func:`split` layout (L even). A spin s with
    local field h flips always if s·h ≤ 0, else if u < t2 (s·h = 2) or u < t4
    (s·h = 4), u a uniform 32-bit word and t2, t4 the 32-bit thresholds of
    e^(−4|J|/T) and e^(−8|J|/T). The inner loop over a row of one sublattice has no
    branches and no dependencies, so it vectorises. Work arrays: rbuf (L²/2,)
    uint32 random words, pad (L/2 + 2,) int8 a periodically padded row.
    """
    size = halves.shape[1]
    half = halves.shape[2]
    accepted = 0
    for colour in range(2):
        other = halves[1 - colour]
        splitmix.fill_u32(state, rbuf)
        for y in range(size):
            row = halves[colour, y]
            up = other[y - 1 if y > 0 else size - 1]
            down = other[y + 1 if y + 1 < size else 0]
            for j in range(half):
                pad[j + 1] = other[y, j]
            pad[0] = other[y, half - 1]
            pad[half + 1] = other[y, 0]
            shift = (y + colour) & 1
            words = rbuf[y * half : (y + 1) * half]
            flips = 0
            for j in range(half):
                s = np.int32(row[j])
                h = (
                    np.int32(up[j])
                    + np.int32(down[j])
                    + np.int32(pad[j + shift])
                    + np.int32(pad[j + shift + 1])
                )
                sh = s * h
                u = words[j]
                flip = np.int32((sh <= 0) | ((sh == 2) & (u < t2)) | ((sh == 4) & (u < t4)))
                row[j] = np.int8(s - 2 * s * flip)
                flips += flip
            accepted += flips
    return accepted


@njit(cache=True, nogil=True)
def bond_sum(spins: np.ndarray) -> int:
    """Σ⟨ij⟩ s_i s_j over the 2L² bonds of the torus (right and down neighbours)."""
    size = spins.shape[0]
    total = 0
    for y in range(size):
        down = y + 1 if y + 1 < size else 0
        for x in range(size):
            right = x + 1 if x + 1 < size else 0
            total += spins[y, x] * (spins[y, right] + spins[down, x])
    return total


@njit(cache=True, nogil=True)
def _measure(spins: np.ndarray, state: np.ndarray, k: int, record: tuple) -> None:
    """Global flip with probability 1/2, then record sample k into ``record`` (see
    :func:`wolff_chain`)."""
    stagger, configs, bonds, mags = record
    size = spins.shape[0]
    sign = np.int8(-1) if splitmix.next_u64(state) >> np.uint64(63) else np.int8(1)
    total = 0
    for y in range(size):
        for x in range(size):
            spins[y, x] *= sign
            total += spins[y, x]
    bonds[k] = bond_sum(spins)
    mags[k] = total
    if configs.shape[0] > 0:
        for y in range(size):
            for x in range(size):
                configs[k, y, x] = spins[y, x] * stagger[y, x]


@njit(cache=True, nogil=True)
def wolff_chain(
    spins: np.ndarray,
    thin: int,
    state: np.ndarray,
    record: tuple,
    threshold: np.uint64,
    clusters: int,
    stack: np.ndarray,
) -> int:
    """Record len(bonds) samples, each ``thin`` steps of ``clusters`` Wolff clusters apart.

    record: (stagger, configs, bonds, mags), where the samples go: stagger (L, L) int8
    gauge signs applied to the stored configs; configs (n, L, L) int8, or (0, L, L) to
    record observables only; bonds, mags (n,) int64 bond sums Σ s_i s_j and
    magnetisation sums Σ s_i (of the ferromagnet). threshold, stack: as in
    :func:`wolff_step`. Returns the number of spins flipped by clusters.
    """
    flipped = 0
    for k in range(record[2].shape[0]):
        for _ in range(thin * clusters):
            flipped += wolff_step(spins, threshold, state, stack)
        _measure(spins, state, k, record)
    return flipped


@njit(cache=True, nogil=True)
def metropolis_chain(
    spins: np.ndarray,
    thin: int,
    state: np.ndarray,
    record: tuple,
    halves: np.ndarray,
    t2: np.uint64,
    t4: np.uint64,
    rbuf: np.ndarray,
    pad: np.ndarray,
) -> int:
    """Record len(bonds) samples ``thin`` Metropolis sweeps apart (record as in
    :func:`wolff_chain`; halves, t2, t4, rbuf, pad as in :func:`metropolis_sweep`).

    Returns the number of accepted single-spin flips.
    """
    accepted = 0
    for k in range(record[2].shape[0]):
        split(spins, halves)
        for _ in range(thin):
            accepted += metropolis_sweep(halves, t2, t4, state, rbuf, pad)
        merge(halves, spins)
        _measure(spins, state, k, record)
    return accepted
