"""Where one training step's time goes: u's first layer (its two products) vs the rest.

The Table II shapes (lv 4 → 16 visible sites, le 10 → 880 environment sites, batch K = 100,
critic (32, 32) → 8) on random ±1 configurations (a step's cost does not depend on the data).
Times ``steps`` optimisation steps (row gather, forward, hand-written backward, fused Adam) by
the thread's CPU time on one thread, which a machine shared with other jobs disturbs less than
wall time, then the two first-layer products alone at the same shapes: (K, n_env) @ (n_env,
R·32) forward and (n_env, K) @ (K, R·32) weight gradient.

Run: .venv/bin/python benchmarks/profile_step.py [--runs 1 64] [--steps 400] [--repeats 3]
"""

import argparse
import time

import numpy as np
import torch

from rsmine.estimator import coarse
from rsmine.estimator.train import Replicas, Setup, TrainConfig, gradients, split
from rsmine.estimator.train.adam import adam_step
from rsmine.estimator.train.packing import pack

N_VISIBLE, N_ENV, K = 16, 880, 100


def step_loop(runs: int, steps: int) -> float:
    """CPU seconds per step of ``steps`` full training steps at R = ``runs``."""
    config = TrainConfig(patience=0)
    setup = Setup.create(config, components=1, mask=None)
    rng = np.random.default_rng(0)
    data = rng.choice(np.array([-1.0, 1.0], np.float32), size=(2000, 1, N_VISIBLE + N_ENV))
    parts = split(data[..., :N_VISIBLE], data[..., N_VISIBLE:], config, rng, setup.device)
    state = Replicas.create(setup, parts, seed=0, first_run=0, runs=runs, components=1)
    packed = pack(state, 0.0)
    gen = torch.Generator().manual_seed(0)
    eps = coarse.noise(gen, (steps, runs, K, setup.rows), "binary", setup.device)
    flat = parts.flat("train", torch.arange(K), 0)
    start = time.thread_time()
    for s in range(steps):
        v, e = parts.gather(flat)
        gradients(setup, state, v, e, eps[s], 0.3, packed)
        state.step += 1
        adam_step(packed.groups, state.step, config.lr)
    return (time.thread_time() - start) / steps


def first_layer(runs: int, steps: int) -> float:
    """CPU seconds per step of u's first-layer forward and weight-gradient products alone."""
    e = torch.randn(K, N_ENV)
    w = torch.randn(N_ENV, runs * 32)
    d = torch.randn(K, runs * 32)
    g = torch.empty(N_ENV, runs * 32)
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
    args = parser.parse_args()
    torch.set_num_threads(1)
    print("runs  step_ms  first_layer_ms  rest_ms   (one thread, CPU time, best of repeats)")
    for runs in args.runs:
        steps = max(20, args.steps // max(1, runs // 8))
        total = min(step_loop(runs, steps) for _ in range(args.repeats))
        first = min(first_layer(runs, steps) for _ in range(args.repeats))
        print(
            f"{runs:4d}  {1e3 * total:7.3f}  {1e3 * first:14.3f}  {1e3 * (total - first):7.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
