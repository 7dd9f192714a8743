"""2-D Ising model on an L×L torus: Wolff clusters and checkerboard Metropolis.

Convention: E = −J Σ⟨ij⟩ s_i s_j over nearest-neighbour bonds, weight e^(−E/T),
J = +1 ferromagnet, J = −1 antiferromagnet. The paper (Eq. 17) writes the
reduced Hamiltonian K[x] = βJ' Σ x_i x_j with weight e^(−K), so its J' = −J
(J' < 0 is the ferromagnet there).

The antiferromagnet on an even torus is sampled as the ferromagnet with |J| and
mapped by the gauge transformation σ_i = (−1)^(x+y) s_i, which is exact: the
energies coincide and the staggered magnetisation of σ is the magnetisation of
s. Stored per-sample observables: ``energy`` E/L² (same units as J and T) and
``magnetisation`` (1/L²) Σ σ_i, the staggered (1/L²) Σ (−1)^(x+y) σ_i for J < 0.

Algorithm (chosen automatically from T/|J|): Wolff single-cluster updates for
T ≤ 1.5 Tc (near and below the transition) and for odd L, checkerboard
Metropolis above. T = 0 (the two ordered ground states, each with probability
1/2) and T = ∞ (independent fair spins) are sampled exactly. Every stored
sample is followed by a global spin flip with probability 1/2, an exact move in
zero field, so ordered-phase samples cover both signs. Thermalisation and
thinning come from the integrated autocorrelation times of the energy and |m|
measured on pilot runs pooled over chains (thinning ⌈2 τ_int⌉ steps; one step
is one Metropolis sweep, or the number of Wolff clusters that flips L² spins
on average). The kernels draw from SplitMix64 streams keyed by each chain's
numpy Generator (:mod:`rsmine.models.splitmix`); acceptance probabilities are
exact to 2⁻³² (Metropolis) and 2⁻⁶⁴ (Wolff).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from rsmine import stores
from rsmine.errors import InputError
from rsmine.interrupts import thread_pool
from rsmine.models import autocorr, simulation, splitmix
from rsmine.models.ising_kernels import (
    bond_sum,
    metropolis_chain,
    wolff_chain,
    wolff_step,
)
from rsmine.progress import progress, summary
from rsmine.systems import ISING_TC

WOLFF_MAX_T = 1.5 * ISING_TC
"""Wolff clusters at T/|J| ≤ this, checkerboard Metropolis above."""

BURN_STEPS = 200
PILOT_STEPS = 2000
MAX_PILOT_STEPS = 64_000
BLOCK = 256
TIMING = ("seconds", "samples_per_second")
"""Statistics kept out of the store's attrs, so that the same seed gives the same store."""
_DIMS = ("sample", "y", "x")
OBSERVABLES = {
    "energy": "E/L^2 with E = -J sum_<ij> s_i s_j (units of T)",
    "magnetisation": "(1/L^2) sum_i s_i; staggered (-1)^(x+y) for J < 0",
    "chain": simulation.CHAIN_MEANING,
}
"""The per-sample arrays of the store and what each one is (the ``observables`` attr)."""


# ----------------------------------------------------------------- samplers


class _Sampler:
    """One chain's update rule at coupling K = |J|/T: the driver of one chain kernel.

    The varying part is the kernel, ``kernel(spins, thin, state, record, *work)``
    returning a count (flipped or accepted spins), with its thresholds and work
    arrays ``work`` set up by the subclass, which also turns the count into
    statistics.
    """

    name: str
    step: str
    kernel: Callable[..., int]

    def __init__(self, spins: np.ndarray, state: np.ndarray) -> None:
        self.spins, self.state = spins, state
        self.work: tuple = ()
        self.count = 0
        self.steps = 0

    def run(
        self,
        n: int,
        thin: int,
        stagger: np.ndarray | None = None,
        configs: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Record n samples ``thin`` steps apart: bond sums and magnetisation sums (n,) int64.

        stagger: (L, L) int8 gauge signs for the stored configs (default all +1);
        configs: (n, L, L) int8 to fill, or None to record observables only.
        """
        bonds, mags = np.empty(n, np.int64), np.empty(n, np.int64)
        if stagger is None:
            stagger = np.ones_like(self.spins)
        if configs is None:
            configs = np.empty((0, *self.spins.shape), dtype=np.int8)
        record = (stagger, configs, bonds, mags)
        self.count += self.kernel(self.spins, thin, self.state, record, *self.work)
        self.steps += n * thin
        return bonds, mags

    def stats(self) -> dict[str, Any]:
        raise NotImplementedError


class _Wolff(_Sampler):
    """Wolff updates; one step is the number of clusters that flips about L² spins."""

    name = "wolff"
    step = "clusters flipping L^2 spins on average"
    kernel = staticmethod(wolff_chain)

    def __init__(self, spins: np.ndarray, coupling: float, state: np.ndarray) -> None:
        super().__init__(spins, state)
        self.threshold = splitmix.threshold_u64(-math.expm1(-2.0 * coupling))
        self.stack = np.empty((2, spins.size + 1), dtype=np.int32)
        for _ in range(2):  # warm up, then measure the mean cluster size
            clusters = flipped = 0
            while flipped < 4 * spins.size or clusters < 100:
                flipped += wolff_step(spins, self.threshold, state, self.stack)
                clusters += 1
        self.clusters = max(1, round(spins.size * clusters / flipped))
        self.work = (self.threshold, self.clusters, self.stack)

    def stats(self) -> dict[str, Any]:
        return {
            "clusters_per_step": self.clusters,
            "mean_cluster_size": self.count / max(self.steps * self.clusters, 1),
        }


class _Metropolis(_Sampler):
    """Checkerboard Metropolis (even L); one step is one sweep."""

    name = "metropolis"
    step = "one checkerboard sweep"
    kernel = staticmethod(metropolis_chain)

    def __init__(self, spins: np.ndarray, coupling: float, state: np.ndarray) -> None:
        super().__init__(spins, state)
        size = spins.shape[0]
        self.t2 = splitmix.threshold_u32(math.exp(-4.0 * coupling))
        self.t4 = splitmix.threshold_u32(math.exp(-8.0 * coupling))
        self.halves = np.empty((2, size, size // 2), dtype=np.int8)
        self.rbuf = np.empty(size * size // 2, dtype=np.uint32)
        self.pad = np.empty(size // 2 + 2, dtype=np.int8)
        self.work = (self.halves, self.t2, self.t4, self.rbuf, self.pad)

    def stats(self) -> dict[str, Any]:
        return {"acceptance": self.count / max(self.steps * self.spins.size, 1)}


# ----------------------------------------------------------------- drivers


def _stagger(L: int, J: float) -> np.ndarray:
    """(L, L) int8 gauge signs: (−1)^(x+y) for the antiferromagnet, all +1 otherwise."""
    if J >= 0:
        return np.ones((L, L), dtype=np.int8)
    y, x = np.indices((L, L))
    return (1 - 2 * ((x + y) & 1)).astype(np.int8)


def _exact_chain(
    L: int, coupling: float, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n independent samples of the ferromagnet at T = 0 (coupling inf) or T = ∞ (coupling 0).

    Returns configs (n, L, L) int8, bond sums (n,) and magnetisation sums (n,) int64.
    """
    if coupling == 0.0:
        spins = (2 * rng.integers(0, 2, size=(n, L, L), dtype=np.int8) - 1).astype(np.int8)
    else:
        signs = (2 * rng.integers(0, 2, size=n, dtype=np.int8) - 1).astype(np.int8)
        spins = np.broadcast_to(signs[:, None, None], (n, L, L)).copy()
    bonds = np.array([bond_sum(s) for s in spins], dtype=np.int64)
    return spins, bonds, spins.reshape(n, -1).sum(axis=1, dtype=np.int64)


class _Chain:
    """One Markov chain of the ferromagnet: a random start, calibration and burn-in."""

    def __init__(self, L: int, coupling: float, rng: np.random.Generator) -> None:
        spins = (2 * rng.integers(0, 2, size=(L, L), dtype=np.int8) - 1).astype(np.int8)
        metropolis = coupling * WOLFF_MAX_T < 1.0 and L % 2 == 0
        sampler = _Metropolis if metropolis else _Wolff
        self.sampler = sampler(spins, coupling, splitmix.new_state(rng))
        self.sampler.run(BURN_STEPS, 1)

    def pilot(self, steps: int) -> np.ndarray:
        """Run ``steps`` unthinned steps; returns τ_int of (energy, |m|) in steps, (2,)."""
        bonds, mags = self.sampler.run(steps, 1)
        return autocorr.integrated_times(np.stack([bonds, np.abs(mags)]))

    def sample(
        self, n: int, thin: int, stagger: np.ndarray, tick: Callable[[int], None]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """n samples ``thin`` steps apart: configs (n, L, L) int8, bond and m sums (n,) int64."""
        L = self.sampler.spins.shape[0]
        configs = np.empty((n, L, L), dtype=np.int8)
        bonds, mags = np.empty(n, np.int64), np.empty(n, np.int64)
        for start in range(0, n, BLOCK):
            stop = min(n, start + BLOCK)
            bonds[start:stop], mags[start:stop] = self.sampler.run(
                stop - start, thin, stagger, configs[start:stop]
            )
            tick(stop - start)
        return configs, bonds, mags


def _markov(
    L: int,
    coupling: float,
    counts: list[int],
    rngs: list[np.random.Generator],
    stagger: np.ndarray,
    pool: ThreadPoolExecutor,
    tick: Callable[[int], None],
) -> tuple[list[tuple[np.ndarray, np.ndarray, np.ndarray]], dict[str, Any]]:
    """Run one chain per count, in parallel; thinning from τ_int pooled over chains.

    After the burn-in, every chain runs a pilot of equal length; the τ_int of the
    energy and |m| are averaged over chains, and the pilot doubles until the
    pooled series holds ≥ 1000 τ_int (relative error of τ_int ≲ 15 %). The
    thinning is ⌈2 τ_int⌉ steps of the slower observable; pilots count as
    thermalisation.
    """
    chains = list(pool.map(lambda rng: _Chain(L, coupling, rng), rngs))
    thermalisation, steps = BURN_STEPS, PILOT_STEPS
    while True:
        taus = np.mean(list(pool.map(_Chain.pilot, chains, [steps] * len(chains))), axis=0)
        thermalisation += steps
        if len(chains) * steps >= 1000 * taus.max() or steps >= MAX_PILOT_STEPS:
            break
        steps *= 2
    thin = autocorr.thinning(float(taus.max()))
    results = list(pool.map(lambda chain, n: chain.sample(n, thin, stagger, tick), chains, counts))
    samplers = [chain.sampler for chain in chains]
    stats = {
        "algorithm": samplers[0].name,
        "step": samplers[0].step,
        "thin": thin,
        "thermalisation": thermalisation,
        "pilot_steps": steps,
        "tau_energy": float(taus[0]),
        "tau_abs_m": float(taus[1]),
        "tau_energy_samples": autocorr.mean_time([r[1] for r in results]),
        "tau_abs_m_samples": autocorr.mean_time([np.abs(r[2]) for r in results]),
    }
    for key in samplers[0].stats():
        stats[key] = float(np.mean([sampler.stats()[key] for sampler in samplers]))
    return results, stats


def validate(L: Any, T: Any, J: Any, samples: Any, chains: Any, seed: Any) -> None:
    """Refuse bad parameters with :class:`InputError` before any work."""
    simulation.require_sizes(L, samples, chains, seed)
    simulation.require_memory("--samples", samples, L * L)
    simulation.require_real("T", T, 0.0, allow_inf=True)
    simulation.require_real("J", J, -math.inf)
    if J < 0 and L % 2:
        raise InputError(
            f"L must be even for the antiferromagnet (J = {J}) on a torus, got L = {L}"
        )


def simulate(
    L: int, T: float, *, J: float = 1.0, samples: int, seed: int, chains: int = 4
) -> simulation.Simulation:
    """Sample the 2-D Ising model on an L×L torus at temperature T (0 and inf exact).

    Returns ``samples`` configurations from ``chains`` independent chains, seeded
    and sized as described in :mod:`rsmine.models.simulation`. Chains run in
    threads (the kernels release the GIL).
    """
    validate(L, T, J, samples, chains, seed)
    started = time.perf_counter()
    coupling = 0.0 if (J == 0 or math.isinf(T)) else (math.inf if T == 0 else abs(J) / T)
    stagger = _stagger(L, J)
    runs = simulation.Chains.spawn(seed, chains, samples)
    bar = progress(samples, f"ising L={L} T={T:g}", "sample")
    workers = min(len(runs.index), os.cpu_count() or 1)
    with bar, thread_pool(workers) as pool:
        if coupling in (0.0, math.inf):
            results = [
                _exact_chain(L, coupling, n, rng)
                for n, rng in zip(runs.counts, runs.rngs, strict=True)
            ]
            results = [(configs * stagger, bonds, mags) for configs, bonds, mags in results]
            stats = {
                "algorithm": "exact",
                "step": "independent samples",
                "thin": 1,
                "thermalisation": 0,
                "tau_energy": 0.5,
                "tau_abs_m": 0.5,
            }
            bar.update(samples)
        else:
            results, stats = _markov(L, coupling, runs.counts, runs.rngs, stagger, pool, bar.update)
    elapsed = time.perf_counter() - started
    n_sites = L * L
    observables = {
        "energy": -abs(J) * np.concatenate([r[1] for r in results]) / n_sites,
        "magnetisation": np.concatenate([r[2] for r in results]) / n_sites,
        "chain": runs.labels(),
    }
    stats |= {
        "chains_used": len(runs.index),
        "chain_spawn_keys": runs.spawn_keys,
        "seconds": elapsed,
        "samples_per_second": samples / elapsed,
    }
    return simulation.Simulation(np.concatenate([r[0] for r in results]), observables, stats)


def simulate_store(
    out: str | Path, *, L: int, T: float, J: float, samples: int, chains: int, seed: int
) -> None:
    """Run :func:`simulate` and write a complete sample store at ``out``.

    Store: ``configs`` (sample, y, x) int8; ``energy``, ``magnetisation`` (sample,)
    float64; ``chain`` (sample,) int16; root attrs ``lattice: "square"``, ``params``,
    ``seed``, ``sampler`` (statistics). Logs one summary line.
    """
    validate(L, T, J, samples, chains, seed)
    params = simulation.parameter_record(
        "ising", L=L, T=float(T), J=float(J), samples=samples, chains=chains, seed=seed
    )
    writer = simulation.SampleWriter(Path(out), params, seed, lattice="square", dims=_DIMS)
    stores.check_output(out, "samples")  # before the simulation, not when writing
    sim = simulate(L, T, J=J, samples=samples, seed=seed, chains=chains)
    writer.write(sim, OBSERVABLES, TIMING)
    stats = sim.stats
    detail = {
        "wolff": f"mean cluster size {stats.get('mean_cluster_size', 0):.1f}",
        "metropolis": f"acceptance {stats.get('acceptance', 0):.3f}",
        "exact": "exact sampling",
    }[stats["algorithm"]]
    summary(
        "simulate ising",
        f"{samples} samples of {L}x{L} at T={T:g} in {stats['seconds']:.1f} s "
        f"({stats['samples_per_second']:.0f} samples/s), {stats['algorithm']}, "
        f"tau_int {max(stats['tau_energy'], stats['tau_abs_m']):.2f} steps, "
        f"thin {stats['thin']}, {detail} -> {out}",
    )
