"""Where one training step's time goes: u's first layer (its two products) vs the rest.

The Table II shapes (lv 4 → 16 visible sites, le 10 → 880 environment sites, batch K = 100,
critic (32, 32) → 8) on random ±1 configurations (a step's cost does not depend on the data).
Times ``steps`` optimisation steps (row gather, forward, hand-written backward, fused Adam) by
the thread's CPU time on one thread, which a machine shared with other jobs disturbs less than
wall time, then the two first-layer products alone at the same shapes: (K, n_env) @ (n_env,
R·32) forward and (n_env, K) @ (K, R·32) weight gradient.

Other shapes (e.g. the paper's dimers: --visible 64 --env 320 --batch 400 --components 2) give
the per-step cost that docs/sizing.md scales to whole jobs.

Run: .venv/bin/python benchmarks/profile_step.py [--runs 1 64] [--steps 400] [--repeats 3]
     [--visible 16] [--env 880] [--batch 100] [--components 1]
"""

import argparse
import time

import numpy as np
import torch

from rsmine.estimator import coarse
from rsmine.estimator.regions import Windows
from rsmine.estimator.train import Replicas, Setup, TrainConfig, gradients, split
from rsmine.estimator.train.adam import adam_step
from rsmine.estimator.train.packing import pack


def step_loop(runs: int, steps: int, args: argparse.Namespace) -> float:
    """CPU seconds per step of ``steps`` full training steps at R = ``runs``."""
    k, n_visible = args.batch, args.visible
    config = TrainConfig(patience=0, batch=k)
    setup = Setup.create(config, components=args.components, mask=None)
    rng = np.random.default_rng(0)
    n = max(2000, 10 * k)
    data = rng.choice(np.array([-1.0, 1.0], np.float32), size=(n, 1, n_visible + args.env))
    windows = Windows.of_arrays(data[..., :n_visible], data[..., n_visible:])
    parts = split(windows, config, rng, setup.device)
    state = Replicas.create(setup, parts, 0, 0, runs)
    packed = pack(state, 0.0)
    gen = torch.Generator().manual_seed(0)
    eps = coarse.noise(gen, (steps, runs, k, setup.rows), "binary", setup.device)
    flat = parts.flat("train", torch.arange(k), 0)
    start = time.thread_time()
    for s in range(steps):
        v, e = parts.gather(flat)
        gradients(setup, state, v, e, eps[s], 0.3, packed)
        state.step += 1
        adam_step(packed.groups, state.step, config.lr)
    return (time.thread_time() - start) / steps


def first_layer(runs: int, steps: int, args: argparse.Namespace) -> float:
    """CPU seconds per step of u's first-layer forward and weight-gradient products alone."""
    e = torch.randn(args.batch, args.env)
    w = torch.randn(args.env, runs * 32)
    d = torch.randn(args.batch, runs * 32)
    g = torch.empty(args.env, runs * 32)
    start = time.thread_time()
    for _ in range(steps):
        e @ w
        torch.mm(e.T, d, out=g)
    return (time.thread_time() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[1, 64])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--visible", type=int, default=16)
    parser.add_argument("--env", type=int, default=880)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--components", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print("runs  step_ms  first_layer_ms  rest_ms   (one thread, CPU time, best of repeats)")
    for runs in args.runs:
        steps = max(20, args.steps // max(1, runs // 8))
        total = min(step_loop(runs, steps, args) for _ in range(args.repeats))
        first = min(first_layer(runs, steps, args) for _ in range(args.repeats))
        print(
            f"{runs:4d}  {1e3 * total:7.3f}  {1e3 * first:14.3f}  {1e3 * (total - first):7.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
