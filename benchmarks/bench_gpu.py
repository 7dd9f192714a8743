"""GPU training benchmark and CPU agreement check (run by benchmarks/gpu.sh).

Table II setting: 20 000 samples of 64x64 Ising at Tc (rsmine.models.ising.simulate), lv 4,
lb 4, le 10, one binary component, batch 100, lr 5e-3, 30 epochs, early stopping off. Prints

(a) a 500-replica ensemble as ONE batched model on the device: wall time, replicas/s;
(b) the same setting at R = 64 and R = 1: wall time per run;
(c) replica k of the 500-replica batch against replica k trained alone on the CPU, for a few k:
    after one epoch (140 steps: rounding has not yet been amplified by training) the filters
    must agree within ONE_EPOCH_ATOL and the test RSMI within ONE_EPOCH_RSMI_ATOL nats; after
    30 epochs (float32 rounding of cuBLAS vs MKL grows through 4 200 Adam steps) the test RSMI
    within FULL_RSMI_ATOL nats and the filter overlap |cos| >= FULL_OVERLAP;
(d) the peak GPU memory of (a);
(e) host synchronisations per epoch (torch.cuda.set_sync_debug_mode, counted in a 2-epoch run
    minus a 1-epoch run): a handful at the epoch's ends, none per step — fails at >= 14 (one
    per 10 of the epoch's 140 steps).

Exits 1 without a CUDA device unless --device cpu is given (a small dry run of the same code
on the CPU, for testing this script without a GPU), and 2 when a check of (c) fails.

Run: .venv/bin/python benchmarks/bench_gpu.py [--device cuda] [--samples 20000] [--epochs 30]
     [--replicas 500] [--check 0 1 250 499]
"""

import argparse
import dataclasses
import os
import sys
import time
import warnings

import numpy as np
import torch

from rsmine.estimator.regions import Partition
from rsmine.estimator.train import TrainConfig, train_batch
from rsmine.models.ising import simulate
from rsmine.systems import ISING_TC

ONE_EPOCH_ATOL = 1e-3
ONE_EPOCH_RSMI_ATOL = 1e-3
FULL_RSMI_ATOL = 0.02
FULL_OVERLAP = 0.98


def timed(v, e, runs: int, config: TrainConfig, seed: int, first_run: int = 0):
    """train_batch and its wall time in seconds (device synchronised)."""
    sync = torch.cuda.synchronize if config.device == "cuda" else (lambda: None)
    sync()
    start = time.perf_counter()
    result = train_batch(
        v, e, components=1, runs=runs, first_run=first_run, seed=seed, config=config
    )
    sync()
    return result, time.perf_counter() - start


def syncs_per_epoch(v, e, config: TrainConfig, seed: int) -> int:
    """Host synchronisations that one more epoch of training adds (CUDA sync debug mode)."""
    counts = []
    for epochs in (1, 2):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            torch.cuda.set_sync_debug_mode("warn")
            try:
                timed(v, e, 4, dataclasses.replace(config, epochs=epochs), seed)
            finally:
                torch.cuda.set_sync_debug_mode("default")
        counts.append(sum("synchroniz" in str(w.message) for w in caught))
    return counts[1] - counts[0]


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    """|cos| between two filters (any shape)."""
    a, b = a.ravel(), b.ravel()
    return float(abs(a @ b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def compare(name: str, batch, alone: dict, ks: list[int], rsmi_atol: float, full: bool) -> bool:
    """Print replica k of ``batch`` against ``alone[k]`` (CPU, alone); True if within tolerance."""
    ok = True
    print(f"# (c) {name}: k, rsmi device, rsmi cpu, |d rsmi|, max |d filter|, overlap")
    for k in ks:
        d_rsmi = abs(float(batch.rsmi[k]) - float(alone[k].rsmi[0]))
        d_filter = float(np.abs(batch.filters[k] - alone[k].filters[0]).max())
        ov = overlap(batch.filters[k], alone[k].filters[0])
        good = d_rsmi <= rsmi_atol and (ov >= FULL_OVERLAP if full else d_filter <= ONE_EPOCH_ATOL)
        ok &= good
        print(
            f"{k:5d}  {batch.rsmi[k]:.5f}  {alone[k].rsmi[0]:.5f}  {d_rsmi:.2e}  {d_filter:.2e}  "
            f"{ov:.5f}  {'ok' if good else 'FAIL'}"
        )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--replicas", type=int, default=500)
    parser.add_argument("--check", type=int, nargs="+", default=[0, 1, 250, 499])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        print(
            "bench_gpu: torch sees no CUDA device (torch "
            f"{torch.__version__}, built with CUDA {torch.version.cuda}); this benchmark needs "
            "one GPU — install a CUDA build of torch (see benchmarks/gpu.sh)",
            file=sys.stderr,
        )
        return 1
    torch.set_num_threads(1)  # the CPU references are R = 1 runs: one thread is fastest
    ks = sorted({k for k in args.check if k < args.replicas})
    gpu = torch.cuda.get_device_name() if args.device == "cuda" else "none (cpu dry run)"
    print(
        f"# {args.samples} samples 64x64 Ising at Tc, lv 4 lb 4 le 10, {args.epochs} epochs, "
        f"device {args.device} ({gpu}), torch {torch.__version__}, CPU threads "
        f"{torch.get_num_threads()}, TF32 matmul {torch.backends.cuda.matmul.allow_tf32}"
    )
    start = time.perf_counter()
    configs = simulate(64, ISING_TC, samples=args.samples, seed=args.seed).configs
    v, e = Partition("square", (64, 64), lv=4, lb=4, le=10).split(configs)
    print(f"# samples simulated in {time.perf_counter() - start:.1f} s")
    config = TrainConfig(epochs=args.epochs, patience=0, batch=100, lr=5e-3, device=args.device)
    one_epoch = TrainConfig(epochs=1, patience=0, batch=100, lr=5e-3, device=args.device)
    timed(v, e, 2, one_epoch, args.seed)  # warm-up: CUDA context, cuBLAS handles, kernels

    if args.device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    big, wall = timed(v, e, args.replicas, config, args.seed)
    print(
        f"(a) R = {args.replicas}: wall {wall:.2f} s, {args.replicas / wall:.1f} replicas/s, "
        f"mean test RSMI {np.nanmean(big.rsmi):.4f} nats, max {np.nanmax(big.rsmi):.4f}"
    )
    if args.device == "cuda":
        peak = torch.cuda.max_memory_allocated() / 2**20
        print(f"(d) peak GPU memory of (a): {peak:.0f} MiB allocated")
    for runs in (64, 1):
        _, wall = timed(v, e, runs, config, args.seed)
        print(f"(b) R = {runs}: wall {wall:.2f} s, {wall / runs:.3f} s per run")

    ok = True
    if args.device == "cuda":
        syncs = syncs_per_epoch(v, e, config, args.seed)
        ok = syncs < 14
        print(f"(e) host synchronisations per epoch: {syncs} {'ok' if ok else 'FAIL'}")
    short, _ = timed(v, e, args.replicas, one_epoch, args.seed)
    cpu_config = TrainConfig(epochs=args.epochs, patience=0, batch=100, lr=5e-3, device="cpu")
    cpu_one = TrainConfig(epochs=1, patience=0, batch=100, lr=5e-3, device="cpu")
    alone_short = {k: timed(v, e, 1, cpu_one, args.seed, k)[0] for k in ks}
    alone_full = {k: timed(v, e, 1, cpu_config, args.seed, k)[0] for k in ks}
    ok &= compare("one epoch", short, alone_short, ks, ONE_EPOCH_RSMI_ATOL, full=False)
    ok &= compare(f"{args.epochs} epochs", big, alone_full, ks, FULL_RSMI_ATOL, full=True)
    print(
        f"# tolerances: one epoch |d filter| <= {ONE_EPOCH_ATOL}, |d rsmi| <= "
        f"{ONE_EPOCH_RSMI_ATOL} nats; {args.epochs} epochs |d rsmi| <= {FULL_RSMI_ATOL} nats, "
        f"overlap >= {FULL_OVERLAP}"
    )
    print(f"# total {time.perf_counter() - start:.1f} s; load average {os.getloadavg()[0]:.1f}")
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main())
