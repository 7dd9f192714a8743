"""Chipping–aggregation throughput: random sequential updates/s, steady-state samples/s.

Run: .venv/bin/python benchmarks/bench_chipping.py [--samples 200]
Rates per second of wall time and of this thread's CPU time (robust to load).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from rsmine.models import chipping, splitmix


def updates(L: int, w: float, n_sweeps: int) -> None:
    rng = np.random.default_rng(1)
    masses = np.ones(L, dtype=np.int32)
    state = splitmix.new_state(rng)
    aggregate = splitmix.threshold_u32(w / (1 + w))
    chipping.sweeps(masses, 10, aggregate, state)
    wall, cpu = time.perf_counter(), time.thread_time()
    chipping.sweeps(masses, n_sweeps, aggregate, state)
    wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    n = n_sweeps * L
    print(f"chipping L={L} w={w:g}: {n / wall:.3e} updates/s wall, {n / cpu:.3e} /s CPU (one core)")


def samples(L: int, w: float, n: int, chains: int) -> None:
    wall = time.perf_counter()
    sim = chipping.simulate(L, w, samples=n, seed=3, chains=chains)
    wall = time.perf_counter() - wall
    stats = sim.stats
    print(
        f"simulate L={L} w={w:g}: {n} samples in {wall:.1f} s ({n / wall:.1f} samples/s), "
        f"{chains} chains, thin {stats['thin']} sweeps, tau_int largest "
        f"{stats['tau_largest']:.1f} occupied {stats['tau_occupied']:.1f} slow mode "
        f"{stats['tau_slow_mode']:.1f} sweeps, "
        f"thermalisation {stats['thermalisation']} sweeps, steady {stats['steady']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--chains", type=int, default=2)
    args = parser.parse_args()
    for w in (0.0, 1 / 3, 3.0):
        updates(256, w, 200_000)
    for w in (0.0, 0.2, 1.0):
        samples(256, w, args.samples, args.chains)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average {load}")


if __name__ == "__main__":
    main()
