"""2-D Ising model on an L×L torus: Wolff clusters and checkerboard Metropolis.

Convention: E = −J Σ⟨ij⟩ s_i s_j over nearest-neighbour bonds, weight e^(−E/T),
J = +1 ferromagnet, J = −1 antiferromagnet. The paper (Eq. 17) writes the
reduced Hamiltonian K[x] = βJ' Σ x_i x_j with weight e^(−K), so its J' = −J
(J' < 0 is the ferromagnet there).

The antiferromagnet on an even torus is sampled as the ferromagnet with |J| and
mapped by the gauge transformation σ_i = (−1)^(x+y) s_i, which is exact: the
energies coincide and the staggered magnetisation of σ is the magnetisation of
s. Stored per-sample observables: ``energy`` E/L² (units of |J|... in units of
J's scale, i.e. the same units as T) and ``magnetisation`` (1/L²) Σ s_i, the
staggered one (1/L²) Σ (−1)^(x+y) σ_i for the antiferromagnet.

Algorithm (chosen automatically from T/|J|): Wolff single-cluster updates for
T ≤ 1.5 Tc (near and below the transition), checkerboard Metropolis above.
T = 0 (the two ordered ground states, each with probability 1/2) and T = ∞
(independent fair spins) are sampled exactly. Every stored sample is followed
by a global spin flip with probability 1/2, an exact move in zero field, so
ordered-phase samples cover both signs. Thermalisation and thinning come from
the integrated autocorrelation times of the energy and |m| measured on a pilot
run (thinning ⌈2 τ_int⌉ steps; one step = one Metropolis sweep, or the number
of Wolff clusters that flips L² spins on average).
"""

from __future__ import annotations

import math
import numbers
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numba import njit

from rsmine import store
from rsmine.errors import InputError
from rsmine.models import autocorr
from rsmine.progress import progress, summary

TC = 2.0 / math.log1p(math.sqrt(2.0))
"""Critical temperature of the square-lattice Ising model, in units of |J|."""

WOLFF_MAX_T = 1.5 * TC
"""Wolff clusters at T/|J| ≤ this, checkerboard Metropolis above."""

BURN_STEPS = 200
PILOT_STEPS = 4000
MAX_PILOT_STEPS = 64_000
BLOCK = 256


@dataclass
class Simulation:
    """Samples of one simulation.

    configs: (samples, L, L) int8 spins ±1, row index y, column index x.
    observables: per-sample (samples,) float64 ``energy`` (E/L²),
        ``magnetisation`` (staggered for J < 0), and int16 ``chain``.
    stats: sampler statistics (algorithm, τ_int, thinning, thermalisation, …).
    """

    configs: np.ndarray
    observables: dict[str, np.ndarray]
    stats: dict[str, Any] = field(default_factory=dict)


# ----------------------------------------------------------------- kernels


@njit(cache=True, nogil=True)
def wolff_step(spins: np.ndarray, p_add: float, rng: np.random.Generator, stack: np.ndarray) -> int:
    """Grow and flip one Wolff cluster of the ferromagnet in place; returns its size.

    spins: (L, L) int8 ±1. p_add = 1 − e^(−2|J|/T). stack: (L²,) int32 work array.
    """
    size = spins.shape[0]
    n = size * size
    site = min(int(rng.random() * n), n - 1)
    y0 = site // size
    s0 = spins[y0, site - y0 * size]
    spins[y0, site - y0 * size] = -s0
    stack[0] = site
    top = 1
    flipped = 1
    while top > 0:
        top -= 1
        k = stack[top]
        y = k // size
        x = k - y * size
        for d in range(4):
            if d == 0:
                ny, nx = y, x + 1 if x + 1 < size else 0
            elif d == 1:
                ny, nx = y, x - 1 if x > 0 else size - 1
            elif d == 2:
                ny, nx = y + 1 if y + 1 < size else 0, x
            else:
                ny, nx = y - 1 if y > 0 else size - 1, x
            if spins[ny, nx] == s0 and rng.random() < p_add:
                spins[ny, nx] = -s0
                stack[top] = ny * size + nx
                top += 1
                flipped += 1
    return flipped


@njit(cache=True, nogil=True)
def metropolis_sweep(spins: np.ndarray, accept: np.ndarray, rng: np.random.Generator) -> int:
    """One checkerboard Metropolis sweep of the ferromagnet in place; returns accepted flips.

    spins: (L, L) int8 ±1. accept: (5,) float64, accept[s·h/2 + 2] = min(1, e^(−2|J| s h/T))
    for the local field h = Σ neighbours ∈ {−4, …, 4}. Sites are visited one at a
    time (sublattice x + y even, then odd), so any L is valid.
    """
    size = spins.shape[0]
    accepted = 0
    for parity in range(2):
        for y in range(size):
            up = y - 1 if y > 0 else size - 1
            down = y + 1 if y + 1 < size else 0
            for x in range((y + parity) & 1, size, 2):
                left = x - 1 if x > 0 else size - 1
                right = x + 1 if x + 1 < size else 0
                s = spins[y, x]
                h = spins[up, x] + spins[down, x] + spins[y, left] + spins[y, right]
                index = (s * h) // 2 + 2
                if index <= 2 or rng.random() < accept[index]:
                    spins[y, x] = -s
                    accepted += 1
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
def _measure(
    spins: np.ndarray,
    stagger: np.ndarray,
    rng: np.random.Generator,
    k: int,
    configs: np.ndarray,
    bonds: np.ndarray,
    mags: np.ndarray,
) -> None:
    """Global flip with probability 1/2, then record sample k (configs may have 0 rows)."""
    size = spins.shape[0]
    sign = np.int8(-1) if rng.random() < 0.5 else np.int8(1)
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
    p_add: float,
    clusters: int,
    thin: int,
    rng: np.random.Generator,
    stack: np.ndarray,
    stagger: np.ndarray,
    configs: np.ndarray,
    bonds: np.ndarray,
    mags: np.ndarray,
) -> int:
    """Record len(bonds) samples, each ``thin`` steps of ``clusters`` Wolff clusters apart.

    configs: (n, L, L) int8 or (0, L, L) to record observables only; bonds, mags: (n,)
    int64 bond sums Σ s_i s_j and magnetisation sums Σ s_i (of the ferromagnet).
    Returns the number of spins flipped by clusters.
    """
    flipped = 0
    for k in range(bonds.shape[0]):
        for _ in range(thin * clusters):
            flipped += wolff_step(spins, p_add, rng, stack)
        _measure(spins, stagger, rng, k, configs, bonds, mags)
    return flipped


@njit(cache=True, nogil=True)
def metropolis_chain(
    spins: np.ndarray,
    accept: np.ndarray,
    thin: int,
    rng: np.random.Generator,
    stagger: np.ndarray,
    configs: np.ndarray,
    bonds: np.ndarray,
    mags: np.ndarray,
) -> int:
    """Record len(bonds) samples ``thin`` Metropolis sweeps apart (see :func:`wolff_chain`).

    Returns the number of accepted single-spin flips.
    """
    accepted = 0
    for k in range(bonds.shape[0]):
        for _ in range(thin):
            accepted += metropolis_sweep(spins, accept, rng)
        _measure(spins, stagger, rng, k, configs, bonds, mags)
    return accepted


# ----------------------------------------------------------------- samplers


class _Wolff:
    """Wolff updates at coupling K = |J|/T; one step flips about L² spins."""

    name = "wolff"

    def __init__(self, spins: np.ndarray, coupling: float, rng: np.random.Generator) -> None:
        self.spins, self.rng = spins, rng
        self.p_add = -math.expm1(-2.0 * coupling)
        self.stack = np.empty(spins.size, dtype=np.int32)
        self.clusters = 1
        self.flipped = 0
        self.n_clusters = 0
        warm = max(100, 4 * spins.size)
        for _ in range(2):
            before = (self.flipped, self.n_clusters)
            self.run(warm // self.clusters + 1, 1)
            mean = (self.flipped - before[0]) / (self.n_clusters - before[1])
            self.clusters = max(1, round(spins.size / mean))
        self.flipped = self.n_clusters = 0

    def run(
        self,
        n: int,
        thin: int,
        stagger: np.ndarray | None = None,
        configs: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        bonds, mags = np.empty(n, np.int64), np.empty(n, np.int64)
        stagger, configs = _defaults(self.spins, stagger, configs)
        self.flipped += wolff_chain(
            self.spins,
            self.p_add,
            self.clusters,
            thin,
            self.rng,
            self.stack,
            stagger,
            configs,
            bonds,
            mags,
        )
        self.n_clusters += n * thin * self.clusters
        return bonds, mags

    def stats(self) -> dict[str, Any]:
        return {
            "clusters_per_step": self.clusters,
            "mean_cluster_size": self.flipped / max(self.n_clusters, 1),
        }


class _Metropolis:
    """Checkerboard Metropolis at coupling K = |J|/T; one step is one sweep."""

    name = "metropolis"

    def __init__(self, spins: np.ndarray, coupling: float, rng: np.random.Generator) -> None:
        self.spins, self.rng = spins, rng
        self.accept = np.minimum(1.0, np.exp(-4.0 * coupling * np.arange(-2, 3)))
        self.accepted = 0
        self.sweeps = 0

    def run(
        self,
        n: int,
        thin: int,
        stagger: np.ndarray | None = None,
        configs: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        bonds, mags = np.empty(n, np.int64), np.empty(n, np.int64)
        stagger, configs = _defaults(self.spins, stagger, configs)
        self.accepted += metropolis_chain(
            self.spins, self.accept, thin, self.rng, stagger, configs, bonds, mags
        )
        self.sweeps += n * thin
        return bonds, mags

    def stats(self) -> dict[str, Any]:
        return {"acceptance": self.accepted / max(self.sweeps * self.spins.size, 1)}


def _defaults(
    spins: np.ndarray, stagger: np.ndarray | None, configs: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    if stagger is None:
        stagger = np.ones_like(spins)
    if configs is None:
        configs = np.empty((0, *spins.shape), dtype=np.int8)
    return stagger, configs


# ----------------------------------------------------------------- drivers


def _stagger(L: int, J: float) -> np.ndarray:
    """(L, L) int8 gauge signs: (−1)^(x+y) for the antiferromagnet, all +1 otherwise."""
    if J >= 0:
        return np.ones((L, L), dtype=np.int8)
    y, x = np.indices((L, L))
    return (1 - 2 * ((x + y) & 1)).astype(np.int8)


def _exact_chain(
    L: int, coupling: float, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
    """Independent samples of the ferromagnet at T = 0 (coupling = inf) or T = ∞ (coupling 0)."""
    if coupling == 0.0:
        spins = (2 * rng.integers(0, 2, size=(n, L, L), dtype=np.int8) - 1).astype(np.int8)
    else:
        signs = (2 * rng.integers(0, 2, size=n, dtype=np.int8) - 1).astype(np.int8)
        spins = np.broadcast_to(signs[:, None, None], (n, L, L)).copy()
    bonds = np.array([bond_sum(s) for s in spins], dtype=np.int64)
    mags = spins.reshape(n, -1).sum(axis=1, dtype=np.int64)
    stats = {
        "algorithm": "exact",
        "thin": 1,
        "thermalisation": 0,
        "tau_energy": 0.5,
        "tau_abs_m": 0.5,
    }
    return spins, bonds, mags, stats


def _mcmc_chain(
    L: int,
    coupling: float,
    n: int,
    rng: np.random.Generator,
    stagger: np.ndarray,
    tick: Callable[[int], None],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
    """One Markov chain: calibrate, thermalise, measure τ_int, then record n thinned samples."""
    spins = (2 * rng.integers(0, 2, size=(L, L), dtype=np.int8) - 1).astype(np.int8)
    sampler = (_Wolff if coupling * WOLFF_MAX_T >= 1.0 else _Metropolis)(spins, coupling, rng)
    sampler.run(BURN_STEPS, 1)
    thermalisation, pilot = BURN_STEPS, PILOT_STEPS
    while True:
        bonds, mags = sampler.run(pilot, 1)
        taus = autocorr.integrated_times(np.stack([bonds, np.abs(mags)]))
        thermalisation += pilot
        if autocorr.reliable(pilot, taus.max()) or pilot >= MAX_PILOT_STEPS:
            break
        pilot *= 2
    thin = autocorr.thinning(taus.max())
    configs = np.empty((n, L, L), dtype=np.int8)
    bonds, mags = np.empty(n, np.int64), np.empty(n, np.int64)
    for start in range(0, n, BLOCK):
        stop = min(n, start + BLOCK)
        bonds[start:stop], mags[start:stop] = sampler.run(
            stop - start, thin, stagger, configs[start:stop]
        )
        tick(stop - start)
    stats = {
        "algorithm": sampler.name,
        "thin": thin,
        "thermalisation": thermalisation,
        "pilot_steps": pilot,
        "tau_energy": float(taus[0]),
        "tau_abs_m": float(taus[1]),
        "tau_energy_samples": autocorr.integrated_time(bonds) if n > 1 else 0.5,
        **sampler.stats(),
    }
    return configs, bonds, mags, stats


def validate(L: Any, T: Any, J: Any, samples: Any, chains: Any, seed: Any) -> None:
    """Refuse bad parameters with :class:`InputError` before any work."""
    for name, value, low in (
        ("L", L, 2),
        ("samples", samples, 1),
        ("chains", chains, 1),
        ("seed", seed, 0),
    ):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
            raise InputError(f"{name} must be an integer >= {low}, got {value!r}")
    for name, value in (("T", T), ("J", J)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
            raise InputError(f"{name} must be a number, got {value!r}")
    if T < 0:
        raise InputError(f"T must be >= 0 (0 and inf are sampled exactly), got {T!r}")
    if not math.isfinite(J):
        raise InputError(f"J must be finite (+1 ferromagnet, -1 antiferromagnet), got {J!r}")
    if J < 0 and L % 2:
        raise InputError(
            f"L must be even for the antiferromagnet (J = {J}) on a torus, got L = {L}"
        )


def simulate(
    L: int, T: float, *, J: float = 1.0, samples: int, seed: int, chains: int = 4
) -> Simulation:
    """Sample the 2-D Ising model on an L×L torus at temperature T.

    Returns ``samples`` configurations from ``chains`` independent chains (seeded
    by ``SeedSequence(seed).spawn(chains)``; chain c holds samples
    ⌊samples/chains⌋ (+1 for c < samples mod chains), stored chain after chain).
    """
    validate(L, T, J, samples, chains, seed)
    started = time.perf_counter()
    coupling = 0.0 if (J == 0 or math.isinf(T)) else (math.inf if T == 0 else abs(J) / T)
    stagger = _stagger(L, J)
    counts = [samples // chains + (c < samples % chains) for c in range(chains)]
    children = np.random.SeedSequence(seed).spawn(chains)
    bar = progress(samples, f"ising L={L} T={T:g}", "sample")

    def one(c: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        rng = np.random.Generator(np.random.PCG64(children[c]))
        if coupling in (0.0, math.inf):
            out = _exact_chain(L, coupling, counts[c], rng)
            bar.update(counts[c])
            return (out[0] * stagger, *out[1:])
        return _mcmc_chain(L, coupling, counts[c], rng, stagger, bar.update)

    active = [c for c in range(chains) if counts[c] > 0]
    with bar, ThreadPoolExecutor(max_workers=min(len(active), os.cpu_count() or 1)) as pool:
        results = list(pool.map(one, active))
    n_sites = L * L
    configs = np.concatenate([r[0] for r in results])
    observables = {
        "energy": -abs(J) * np.concatenate([r[1] for r in results]) / n_sites,
        "magnetisation": np.concatenate([r[2] for r in results]) / n_sites,
        "chain": np.repeat(np.array(active, dtype=np.int16), [counts[c] for c in active]),
    }
    elapsed = time.perf_counter() - started
    stats = _combine([r[3] for r in results], active, children, elapsed, samples)
    return Simulation(configs, observables, stats)


def _combine(
    per_chain: list[dict[str, Any]],
    active: list[int],
    children: list,
    elapsed: float,
    samples: int,
) -> dict[str, Any]:
    """Sampler statistics: per-chain lists plus the worst τ_int and thinning."""
    stats: dict[str, Any] = {
        "algorithm": per_chain[0]["algorithm"],
        "chains_used": len(active),
        "chain_spawn_keys": [list(children[c].spawn_key) for c in active],
        "seconds": elapsed,
        "samples_per_second": samples / elapsed,
        "tau_int_max": max(max(s["tau_energy"], s["tau_abs_m"]) for s in per_chain),
        "step": {
            "wolff": "clusters flipping L^2 spins on average",
            "metropolis": "one sweep",
            "exact": "independent samples",
        }[per_chain[0]["algorithm"]],
    }
    for key in per_chain[0]:
        if key != "algorithm":
            stats[f"per_chain_{key}"] = [s[key] for s in per_chain]
    return stats


def simulate_store(
    out: str | Path, *, L: int, T: float, J: float, samples: int, chains: int, seed: int
) -> None:
    """Run :func:`simulate` and write a complete sample store at ``out``.

    Store: ``configs`` (sample, y, x) int8; ``energy``, ``magnetisation`` (sample,)
    float64; ``chain`` (sample,) int16; root attrs ``lattice: "square"``, ``params``,
    ``seed``, ``sampler`` (statistics). Logs one summary line.
    """
    validate(L, T, J, samples, chains, seed)
    params = {
        "model": "ising",
        "L": L,
        "T": _json_number(T),
        "J": float(J),
        "samples": samples,
        "chains": chains,
        "seed": seed,
    }
    sim = simulate(L, T, J=J, samples=samples, seed=seed, chains=chains)
    with store.building(out, "samples", params, store.seed_record(seed)) as group:
        group.attrs.update(
            {
                "lattice": "square",
                "sampler": sim.stats,
                "observables": {
                    "energy": "E/L^2 with E = -J sum_<ij> s_i s_j (units of T)",
                    "magnetisation": "(1/L^2) sum_i s_i; staggered (-1)^(x+y) for J < 0",
                    "chain": "index of the Markov chain that produced the sample",
                },
            }
        )
        store.write_array(
            group, "configs", sim.configs, ("sample", "y", "x"), chunks=(min(samples, 1024), L, L)
        )
        for name, values in sim.observables.items():
            store.write_array(group, name, values, ("sample",))
    detail = (
        f"mean cluster size {np.mean(sim.stats['per_chain_mean_cluster_size']):.1f}"
        if sim.stats["algorithm"] == "wolff"
        else f"acceptance {np.mean(sim.stats['per_chain_acceptance']):.3f}"
        if sim.stats["algorithm"] == "metropolis"
        else "exact sampling"
    )
    summary(
        "simulate ising",
        f"{samples} samples of {L}x{L} at T={T:g} in "
        f"{sim.stats['seconds']:.1f} s ({sim.stats['samples_per_second']:.0f} samples/s), "
        f"{sim.stats['algorithm']}, tau_int {sim.stats['tau_int_max']:.2f} steps, "
        f"thin {max(sim.stats['per_chain_thin'])}, {detail} -> {out}",
    )


def _json_number(value: float) -> float | str:
    """A float for JSON attrs: ``inf`` as the string "inf"."""
    return "inf" if math.isinf(value) else float(value)
