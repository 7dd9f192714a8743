"""Ising sampler throughput: Metropolis spin updates/s, Wolff cluster spins/s, samples/s at Tc.

Run: .venv/bin/python benchmarks/bench_ising.py [--samples 20000]
Rates are given per second of wall time and per second of this thread's CPU
time (the latter is robust to other jobs sharing the machine).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from rsmine.models import ising, ising_kernels, splitmix
from rsmine.systems import ISING_TC


def _timed(fn, *args) -> tuple[float, float, object]:
    """(wall seconds, thread CPU seconds, result) of one call."""
    wall, cpu = time.perf_counter(), time.thread_time()
    out = fn(*args)
    return time.perf_counter() - wall, time.thread_time() - cpu, out


def metropolis(L: int, T: float, sweeps: int) -> None:
    rng = np.random.default_rng(1)
    spins = (2 * rng.integers(0, 2, (L, L)) - 1).astype(np.int8)
    sampler = ising._Metropolis(spins, 1.0 / T, splitmix.new_state(rng))
    sampler.run(10, 1)
    halves, state, rbuf, pad = sampler.halves, sampler.state, sampler.rbuf, sampler.pad
    ising_kernels.split(spins, halves)

    def run() -> int:
        return sum(
            ising_kernels.metropolis_sweep(halves, sampler.t2, sampler.t4, state, rbuf, pad)
            for _ in range(sweeps)
        )

    wall, cpu, accepted = _timed(run)
    n = sweeps * L * L
    print(
        f"metropolis {L}x{L} T={T:.4f}: {n / wall:.3e} spin updates/s wall, "
        f"{n / cpu:.3e} /s CPU (one core), acceptance {accepted / n:.3f}"
    )


def wolff(L: int, T: float, clusters: int) -> None:
    rng = np.random.default_rng(2)
    spins = (2 * rng.integers(0, 2, (L, L)) - 1).astype(np.int8)
    sampler = ising._Wolff(spins, 1.0 / T, splitmix.new_state(rng))
    state, stack = sampler.state, sampler.stack

    def run() -> int:
        return sum(
            ising_kernels.wolff_step(spins, sampler.threshold, state, stack)
            for _ in range(clusters)
        )

    wall, cpu, flipped = _timed(run)
    print(
        f"wolff {L}x{L} T={T:.4f}: {flipped / wall:.3e} cluster spins/s wall, "
        f"{flipped / cpu:.3e} /s CPU (one core), mean cluster {flipped / clusters:.0f}"
    )


def samples_at_tc(L: int, samples: int, chains: int) -> None:
    wall, _, sim = _timed(
        lambda: ising.simulate(L, ISING_TC, samples=samples, seed=7, chains=chains)
    )
    stats = sim.stats
    print(
        f"simulate {L}x{L} T=Tc: {samples} decorrelated samples in {wall:.1f} s wall "
        f"({samples / wall:.0f} samples/s), {chains} chains, thin {stats['thin']} steps of "
        f"{stats['clusters_per_step']:.0f} clusters, tau_int energy {stats['tau_energy']:.2f} "
        f"|m| {stats['tau_abs_m']:.2f} steps (recorded samples: "
        f"{stats['tau_energy_samples']:.2f}, {stats['tau_abs_m_samples']:.2f}), "
        f"mean cluster {stats['mean_cluster_size']:.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--chains", type=int, default=4)
    args = parser.parse_args()
    ising.simulate(16, ISING_TC, samples=8, seed=0)  # compile (cached) kernels
    for T in (ISING_TC, 4.0):
        metropolis(64, T, 20_000)
    for T in (ISING_TC, 1.5):
        wolff(64, T, 20_000 if T > 2 else 5_000)
    samples_at_tc(64, args.samples, args.chains)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Tc = {ISING_TC:.6f}, load average {load}")


if __name__ == "__main__":
    main()
