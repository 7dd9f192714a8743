"""What ``rsmine optimise`` spends outside training, on the paper's 2-D Ising setting.

Setting: 20 000 configurations of 64x64 int8 spins, lv 4, lb 4, le 10 (n_env 880).
Times: reading the sample store, materialising every V / E window (Partition.split) at 1
and 4 origins beside describing them by index (Partition.windows, what optimise does: the
trainer gathers each minibatch's windows), and the overhead of optimise_store (read +
checks + write) as optimise_store minus train_windows on the same data (one run, one epoch).

Run: OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_optimise_io.py [--samples 20000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import zarr

from rsmine import stores
from rsmine.estimator.regions import Partition
from rsmine.estimator.train import TrainConfig, train_windows
from rsmine.optimise import optimise_store


def _sample_store(path: Path, n: int) -> Path:
    """A complete sample store of n (64, 64) ±1 configurations (random sign times noise)."""
    rng = np.random.default_rng(0)
    sign = rng.choice(np.array([-1, 1], np.int8), size=(n, 1, 1))
    configs = (sign * np.where(rng.random((n, 64, 64)) < 0.1, -1, 1)).astype(np.int8)
    group = zarr.open_group(store=str(path), mode="w", zarr_format=3)
    group.create_array(
        "configs", data=configs, chunks=(1000, 64, 64), dimension_names=["sample", "y", "x"]
    )
    group.attrs.update(kind="samples", lattice="square", complete=True)
    return path


def _best_of(repeats: int, fn) -> float:
    """Smallest wall time of ``repeats`` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = _sample_store(Path(tmp) / "s.zarr", args.samples)
        configs = stores.read_samples(path).configs
        print(f"read_samples: {_best_of(3, lambda: stores.read_samples(path)):.3f} s")
        for origins in (1, 4):
            part = Partition("square", (64, 64), 4, 4, 10, origins=origins, seed=1)
            seconds = _best_of(3, lambda part=part: part.split(configs))
            print(f"split, {origins} origin(s): {seconds:.3f} s")
            seconds = _best_of(3, lambda part=part: part.windows(configs))
            print(f"windows, {origins} origin(s): {seconds:.6f} s")
        part = Partition("square", (64, 64), 4, 4, 10)
        windows = part.windows(configs)
        config = TrainConfig(epochs=1, patience=0, device="cpu")
        train = _best_of(
            3,
            lambda: train_windows(
                windows, components=1, runs=1, seed=1, config=config, mask=part.mask
            ),
        )
        whole = _best_of(
            3,
            lambda: optimise_store(
                path,
                Path(tmp) / "r.zarr",
                lv=4,
                lb=4,
                le=10,
                runs=1,
                seed=1,
                epochs=1,
                patience=0,
                device="cpu",
            ),
        )
        print(f"train_windows (1 run, 1 epoch): {train:.3f} s")
        print(f"optimise_store (same): {whole:.3f} s; overhead {whole - train:.3f} s")


if __name__ == "__main__":
    main()
