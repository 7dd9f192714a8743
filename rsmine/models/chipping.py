"""1-D chipping–aggregation chain (paper Sec. IV, Eqs. 23–24), random sequential updates.

A periodic chain of L sites holds integer masses m_i ≥ 0 with total ρL. Each
site, at rate 1, chips: if m_i > 0 one unit moves to a random neighbour
(Eq. 23); at rate w it aggregates: all of m_i moves onto a random neighbour
(Eq. 24). One update picks a uniformly random site and performs chipping with
probability 1/(1+w), aggregation with probability w/(1+w); a sweep is L updates
(physical time 1/(1+w)).

Convention: Majumdar, Krishnamurthy & Barma (PRL 81, 3691) call the chipping
rate w and aggregate at rate 1, so w_MKB = 1/w here. Their mean-field critical
density ρ_c = √(w_MKB + 1) − 1 puts the transition at ρ = 1 at w_MKB = 3, i.e.
w = 1/3 here, with a condensate (one site holding a finite fraction of the mass)
for w above it. At w = 0 the chain is a zero-range process with a uniform
steady state on configurations of fixed total mass, whose single-site marginal
tends to p(m) = (1−z) z^m, z = ρ/(1+ρ), as L → ∞.

The chain starts from ρL units dropped on uniformly random sites; the steady
state is declared when the largest-mass fraction and the occupied fraction show
no drift (the means of the two halves of a window agree within 4σ, σ from
their τ_int) and the window's second half holds ≥ 50 τ_int; the window doubles
until then (at most 2²¹ sweeps; ``steady`` in the attrs says whether it passed).
Every chain then runs to ≥ 20 τ_int, and the thinning is ⌈2 τ_int⌉ sweeps, with
τ_int the largest over chains (one chain's window can be too short to see the
slow mode of the condensate). Random words come from
SplitMix64 streams keyed by each chain's Generator (site choice exact to
L·2⁻⁵³, move choice to 2⁻³²).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numba import njit, uint64

from rsmine import stores
from rsmine.errors import InputError
from rsmine.interrupts import thread_pool
from rsmine.models import autocorr, simulation, splitmix
from rsmine.progress import progress, summary

FIRST_WINDOW = 256
"""Sweeps of the first steady-state test window (doubles until the test passes)."""

MAX_WINDOW = 1 << 21
RELIABLE = 50.0
"""A window's second half must hold this many τ_int to trust τ_int and the drift test."""
SETTLE = 20.0
"""Every chain thermalises for at least this many of the largest τ_int found by any chain."""
BLOCK = 256
TIMING = ("seconds", "samples_per_second", "updates_per_second")
"""Statistics kept out of the store's attrs, so that the same seed gives the same store."""
OBSERVABLES = {
    "largest_mass": "max_i m_i / (density L)",
    "occupied": "fraction of sites with m_i > 0",
    "slow_mode": "|sum_x m_x exp(2 pi i x / L)|^2 / (density L)",
    "chain": simulation.CHAIN_MEANING,
}
"""The per-sample arrays of the store and what each one is (the ``observables`` attr)."""


# ----------------------------------------------------------------- kernels


@njit(cache=True, nogil=True)
def sweeps(masses: np.ndarray, n: int, aggregate: np.uint64, state: np.ndarray) -> int:
    """n sweeps (n·L random sequential updates) in place; returns the aggregation count.

    masses: (L,) int32. aggregate: 32-bit threshold of w/(1+w)
    (:func:`splitmix.threshold_u32`). state: SplitMix64 state (2,) uint64. Branch
    free: the moved mass is m_i (aggregation) or min(m_i, 1) (chipping).
    """
    size = masses.shape[0]
    key = state[0]
    counter = state[1]
    gamma = splitmix.GAMMA
    scale = size / 9007199254740992.0
    aggregations = 0
    for _ in range(n * size):
        word = splitmix.mix(key + counter * gamma)
        choice = splitmix.mix(key + (counter + uint64(1)) * gamma)
        counter += uint64(2)
        site = min(int(float(word >> uint64(11)) * scale), size - 1)
        target = site + 2 * np.int64(choice >> uint64(63)) - 1
        target += size * (target < 0) - size * (target >= size)
        merge = np.int64((choice & uint64(0xFFFFFFFF)) < aggregate)
        mass = np.int64(masses[site])
        occupied = np.int64(mass > 0)
        moved = occupied + merge * (mass - occupied)
        masses[site] = mass - moved
        masses[target] += moved
        aggregations += merge
    state[1] = counter
    return aggregations


@njit(cache=True, nogil=True)
def record(
    masses: np.ndarray,
    thin: int,
    aggregate: np.uint64,
    state: np.ndarray,
    wave: np.ndarray,
    configs: np.ndarray,
    observables: np.ndarray,
) -> int:
    """Record samples ``thin`` sweeps apart; returns the aggregation count.

    wave: (2, L) cos and sin of 2πx/L. configs: (n, L) int32 or (0, L) to record
    observables only. observables: (3, n) float64, filled with the largest mass,
    the number of occupied sites and |Σ_x m_x e^(2πix/L)|² (the slowest density mode).
    """
    aggregations = 0
    size = masses.shape[0]
    for k in range(observables.shape[1]):
        aggregations += sweeps(masses, thin, aggregate, state)
        largest = 0
        occupied = 0
        re = 0.0
        im = 0.0
        for x in range(size):
            m = masses[x]
            largest = max(largest, m)
            occupied += m > 0
            re += m * wave[0, x]
            im += m * wave[1, x]
        observables[0, k] = largest
        observables[1, k] = occupied
        observables[2, k] = re * re + im * im
        if configs.shape[0] > 0:
            configs[k] = masses
    return aggregations


# ----------------------------------------------------------------- drivers


class _Chain:
    """One chain: ρL units on random sites, run to the steady state."""

    def __init__(self, L: int, mass: int, w: float, rng: np.random.Generator) -> None:
        self.masses = np.bincount(rng.integers(0, L, size=mass), minlength=L).astype(np.int32)
        self.aggregate = splitmix.threshold_u32(w / (1.0 + w))
        self.state = splitmix.new_state(rng)
        self.mass = mass
        phase = 2 * np.pi * np.arange(L) / L
        self.wave = np.stack([np.cos(phase), np.sin(phase)])
        self.updates = 0
        self.aggregations = 0

    def run(self, n: int, thin: int, configs: np.ndarray | None = None) -> np.ndarray:
        """n samples ``thin`` sweeps apart; returns observables (3, n): largest-mass and
        occupied fractions and the slow-mode power |Σ m_x e^(2πix/L)|² / (ρL)."""
        L = self.masses.size
        if configs is None:
            configs = np.empty((0, L), dtype=np.int32)
        observables = np.empty((3, n))
        self.aggregations += record(
            self.masses, thin, self.aggregate, self.state, self.wave, configs, observables
        )
        self.updates += n * thin * L
        return observables / np.array([[max(self.mass, 1)], [L], [max(self.mass, 1)]])

    def thermalise(self) -> tuple[int, np.ndarray, bool]:
        """Run windows until steady; returns (sweeps run, τ_int (3,) of the last half, steady)."""
        total, window = 0, FIRST_WINDOW
        while True:
            series = self.run(window, 1)
            total += window
            half = series[:, window // 2 :]
            taus = autocorr.integrated_times(half)
            steady = _no_drift(series, taus) and autocorr.reliable(
                window // 2, taus.max(), RELIABLE
            )
            if steady or window >= MAX_WINDOW:
                return total, taus, steady
            window *= 2

    def sample(self, n: int, thin: int, tick: Callable[[int], None]) -> tuple[np.ndarray, ...]:
        """n samples: configs (n, L) int32 and observables (3, n)."""
        configs = np.empty((n, self.masses.size), dtype=np.int32)
        observables = np.empty((3, n))
        for start in range(0, n, BLOCK):
            stop = min(n, start + BLOCK)
            observables[:, start:stop] = self.run(stop - start, thin, configs[start:stop])
            tick(stop - start)
        return configs, observables


def _no_drift(series: np.ndarray, taus: np.ndarray) -> bool:
    """Whether the two halves of each row of ``series`` (k, n) have means within 4σ."""
    n = series.shape[1] // 2
    first, second = series[:, :n], series[:, n : 2 * n]
    variance = (first.var(axis=1) + second.var(axis=1)) * 2 * taus / n
    drift = np.abs(first.mean(axis=1) - second.mean(axis=1))
    return bool(np.all(drift <= 4 * np.sqrt(variance) + 1e-12))


def validate(L: Any, w: Any, density: Any, samples: Any, chains: Any, seed: Any) -> None:
    """Refuse bad parameters with :class:`InputError` before any work."""
    simulation.require_sizes(L, samples, chains, seed)
    simulation.require_memory("--samples", samples, 4 * L)
    simulation.require_real("w", w, 0.0)
    simulation.require_real("density", density, 0.0)
    mass = density * L
    if abs(mass - round(mass)) > 1e-9 * max(1.0, mass):
        raise InputError(
            f"density * L must be an integer total mass, got density {density} * L {L} = {mass}"
        )
    if round(mass) >= 2**31:
        raise InputError(f"total mass density * L = {round(mass)} does not fit in int32")


def simulate(
    L: int, w: float, *, density: float = 1.0, samples: int, seed: int, chains: int = 4
) -> simulation.Simulation:
    """Sample the steady state of the chipping–aggregation chain.

    Returns configs (samples, L) int32 masses and observables ``largest_mass``
    (max_i m_i / ρL), ``occupied`` (fraction of sites with m_i > 0) and ``chain``,
    from ``chains`` independent chains (see :mod:`rsmine.models.simulation`).
    """
    validate(L, w, density, samples, chains, seed)
    started = time.perf_counter()
    mass = round(density * L)
    runs = simulation.Chains.spawn(seed, chains, samples)
    bar = progress(samples, f"chipping L={L} w={w:g}", "sample")
    with bar, thread_pool(min(len(runs.index), os.cpu_count() or 1)) as pool:
        walkers = list(pool.map(lambda rng: _Chain(L, mass, w, rng), runs.rngs))
        burn = list(pool.map(_Chain.thermalise, walkers))
        taus = np.max([b[1] for b in burn], axis=0)
        settle = math.ceil(SETTLE * taus.max())
        extra = [max(0, settle - b[0]) for b in burn]
        list(pool.map(lambda walker, n: walker.run(n, 1), walkers, extra))
        thin = autocorr.thinning(float(taus.max()))
        results = list(
            pool.map(lambda walker, n: walker.sample(n, thin, bar.update), walkers, runs.counts)
        )
    elapsed = time.perf_counter() - started
    observables = np.concatenate([r[1] for r in results], axis=1)
    updates = sum(walker.updates for walker in walkers)
    stats = {
        "algorithm": "random sequential updates",
        "step": "one sweep = L updates = time 1/(1+w)",
        "thin": thin,
        "thermalisation": [b[0] + n for b, n in zip(burn, extra, strict=True)],
        "steady": all(b[2] for b in burn),
        "tau_largest": float(taus[0]),
        "tau_occupied": float(taus[1]),
        "tau_slow_mode": float(taus[2]),
        "tau_int_max": float(taus.max()),
        "tau_samples": [autocorr.mean_time([r[1][i] for r in results]) for i in range(3)],
        "aggregation_fraction": sum(walker.aggregations for walker in walkers) / max(updates, 1),
        "chains_used": len(runs.index),
        "chain_spawn_keys": runs.spawn_keys,
        "seconds": elapsed,
        "samples_per_second": samples / elapsed,
        "updates_per_second": updates / elapsed,
    }
    return simulation.Simulation(
        np.concatenate([r[0] for r in results]),
        {
            "largest_mass": observables[0],
            "occupied": observables[1],
            "slow_mode": observables[2],
            "chain": runs.labels(),
        },
        stats,
    )


def simulate_store(
    out: str | Path, *, L: int, w: float, density: float, samples: int, chains: int, seed: int
) -> None:
    """Run :func:`simulate` and write a complete sample store at ``out``.

    Store: ``configs`` (sample, x) int32; ``largest_mass``, ``occupied`` (sample,)
    float64; ``chain`` (sample,) int16; root attrs ``lattice: "chain"``, ``params``,
    ``seed``, ``sampler`` (statistics). Logs one summary line.
    """
    validate(L, w, density, samples, chains, seed)
    params = simulation.parameter_record(
        "chipping",
        L=L,
        w=float(w),
        density=float(density),
        samples=samples,
        chains=chains,
        seed=seed,
    )
    writer = simulation.SampleWriter(Path(out), params, seed, lattice="chain", dims=("sample", "x"))
    stores.check_output(out, "samples")  # before the simulation, not when writing
    sim = simulate(L, w, density=density, samples=samples, seed=seed, chains=chains)
    writer.write(sim, OBSERVABLES, TIMING)
    stats = sim.stats
    steady = "" if stats["steady"] else " (steady state NOT confirmed)"
    summary(
        "simulate chipping",
        f"{samples} samples of L={L} at w={w:g} density={density:g} in {stats['seconds']:.1f} s "
        f"({stats['samples_per_second']:.0f} samples/s, {stats['updates_per_second']:.2e} "
        f"updates/s), tau_int {stats['tau_int_max']:.1f} sweeps, "
        f"thin {stats['thin']}, aggregation fraction {stats['aggregation_fraction']:.3f}"
        f"{steady} -> {out}",
    )
