"""Training-engine throughput on the paper's 2D Ising setting (wall time per run).

64x64 Ising samples at Tc, lv 4, lb 4, le 10, one binary component, batch 100, 30 epochs
with early stopping off, lr 5e-3, 20 000 samples (14 000 training configurations, 140 steps
per epoch, 4 200 steps per run), O V origins (9 is what ``--origins auto`` gives here; the
windows are gathered per minibatch from the int8 configurations, as ``rsmine optimise``
does). Times the whole ``train_windows`` call (split, training, validation every epoch, test
and training-part evaluation at the end) for R replicas.

Run: .venv/bin/python benchmarks/bench_train.py [--runs 1 16 64] [--origins 1 9]
     [--device cpu|cuda] [--threads N] [--samples 20000] [--epochs 30] [--configs FILE.npy]
--configs: the (N, 64, 64) configurations saved once (np.save), instead of simulating them.
Process CPU time is printed beside wall time: on a machine shared with other jobs,
CPU time / threads is closer to what an idle machine would give.
"""

import argparse
import os
import time

import numpy as np
import torch

from rsmine.estimator.regions import Partition
from rsmine.estimator.train import TrainConfig, train_windows
from rsmine.models.ising import simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--origins", type=int, nargs="+", default=[1, 9])
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--configs", default=None, help="(N, 64, 64) .npy instead of simulating")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.configs:
        configs = np.load(args.configs)
    else:
        configs = simulate(64, 2.269, samples=args.samples, seed=args.seed).configs
    config = TrainConfig(epochs=args.epochs, patience=0, batch=100, lr=5e-3, device=args.device)
    print(
        f"# {len(configs)} samples, {args.epochs} epochs, device {args.device}, "
        f"threads {args.threads}, load average {os.getloadavg()[0]:.1f}"
    )
    print("origins  runs  wall_s  wall_s/run  cpu_s/run  mean_test_rsmi")
    for origins in args.origins:
        partition = Partition("square", (64, 64), lv=4, lb=4, le=10, origins=origins, seed=1)
        windows = partition.windows(configs)
        for runs in args.runs:
            if args.device == "cuda":
                torch.cuda.synchronize()
            wall, cpu = time.perf_counter(), time.process_time()
            result = train_windows(windows, components=1, runs=runs, seed=args.seed, config=config)
            if args.device == "cuda":
                torch.cuda.synchronize()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(
                f"{origins:7d}  {runs:4d}  {wall:6.1f}  {wall / runs:10.2f}  {cpu / runs:9.2f}  "
                f"{np.nanmean(result.rsmi):.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
