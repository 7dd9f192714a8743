"""Speed of the dimer sampler on 32×32 vertices: worm steps/s, sweeps/s, MPI speed-up.

Run: ``.venv/bin/python benchmarks/bench_dimers.py`` (prints a markdown table).
Worm steps per second are for one core (the numba kernel alone, best of 3);
sweeps per second include the per-sample grid conversion (production sweeps
of :func:`rsmine.models.dimers.driver.run_chain`, thermalisation excluded by
differencing two chain lengths); the MPI speed-up is the wall time of the whole
``rsmine simulate dimers`` command (process start included) with 1 and 2 ranks.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from rsmine.models.dimers import coverings, driver, lattice, loops, tables

N = 32
BIN = Path(sys.executable).parent


def worm_steps_per_second(T: float, seconds: float = 1.0) -> tuple[float, float]:
    """(steps/s, mean steps per worm) of the worm kernel at T, best of 3 timings."""
    rng = np.random.default_rng(1)
    dirs = coverings.random_covering(N, rng)
    nbr = lattice.neighbours(N)
    cum = tables.scattering_tables(T).cum
    visit = np.zeros(N * N, dtype=np.int64)
    loops.worms(dirs, nbr, cum, rng, visit, 0, 20_000)  # warm-up and equilibration
    worms, best = 1_000, 0.0
    while True:
        started = time.perf_counter()
        steps = loops.worms(dirs, nbr, cum, rng, visit, 0, worms)[1]
        elapsed = time.perf_counter() - started
        if elapsed > seconds / 3:
            break
        worms *= 4
    for _ in range(3):
        started = time.perf_counter()
        steps = loops.worms(dirs, nbr, cum, rng, visit, 0, worms)[1]
        best = max(best, steps / (time.perf_counter() - started))
    return best, steps / worms


def sweeps_per_second(T: float, sweeps: int = 200) -> tuple[float, int]:
    """(production sweeps/s, default sub-sweeps per sweep) of one chain at T."""
    cum = tables.scattering_tables(T).cum
    times = []
    for count in (sweeps // 4, sweeps):
        run = driver.resolve_run(N, T, 1, count, None, 5, "minimal-bounce")
        started = time.perf_counter()
        driver.run_chain(run, cum, driver.chain_rng(3, 0))
        times.append(time.perf_counter() - started)
    return (sweeps - sweeps // 4) / (times[1] - times[0]), run.subsweeps


def mpi_wall_time(ranks: int, chains: int = 8, sweeps: int = 400) -> tuple[float, float]:
    """(command wall time, simulate time from its summary line) in s of
    ``mpiexec -n ranks rsmine simulate dimers`` at T = 0.65."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [str(BIN / "mpiexec"), "-n", str(ranks), str(BIN / "rsmine"), "simulate"]
        cmd += ["dimers", "--n", str(N), "--T", "0.65", "--chains", str(chains)]
        cmd += ["--sweeps", str(sweeps), "--thermalise", "10", "--seed", "1"]
        started = time.perf_counter()
        result = subprocess.run(
            [*cmd, "--out", f"{tmp}/b.zarr"], check=True, capture_output=True, text=True
        )
        wall = time.perf_counter() - started
    inner = float(re.search(r"([0-9.]+) s$", result.stderr.strip()).group(1))
    return wall, inner


def main() -> None:
    print("| T | worm steps/s (1 core) | steps per worm |")
    print("|---|---|---|")
    for T in (0.2, 0.65, 15.0, float("inf")):
        rate, length = worm_steps_per_second(T)
        print(f"| {T} | {rate:.3g} | {length:.1f} |")
    print("\n| T | sub-sweeps per sweep | sweeps/s (1 core) |")
    print("|---|---|---|")
    for T in (0.65, 15.0):
        rate, subsweeps = sweeps_per_second(T)
        print(f"| {T} | {subsweeps} | {rate:.3g} |")
    print("\n| ranks | command wall time | simulate time (summary line) |")
    print("|---|---|---|")
    times = {ranks: mpi_wall_time(ranks) for ranks in (1, 2)}
    for ranks, (wall, inner) in times.items():
        print(f"| {ranks} | {wall:.1f} s | {inner:.1f} s |")
    (wall1, inner1), (wall2, inner2) = times[1], times[2]
    print(f"\nspeed-up 1 -> 2 ranks (8 chains x 400 sweeps, T=0.65): command {wall1 / wall2:.2f}, ")
    print(f"simulate {inner1 / inner2:.2f}")


if __name__ == "__main__":
    main()
