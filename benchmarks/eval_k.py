"""Evaluation-K and hard-vs-sampled H on one sample store (issue 17 item 2): the same trained
runs scored three ways on the test part, and standardised against raw inputs.

    python benchmarks/eval_k.py STORE --lv 4 --lb 2 --le 4 --runs 4 --epochs 15 [--raw]

Per run: hard H on the whole test part (K = n_test, the reported rsmi), hard H in minibatches
of K = --batch, and H sampled with noise in minibatches of K (the training-time estimate,
what rsmi was before). Runs are trained and selected exactly as ``train_batch`` does
(validation scored on hard H over the whole validation part); one line per run, nats.
"""

import argparse
import json

import numpy as np
import torch

from rsmine import stores
from rsmine.estimator.regions import Partition, Windows
from rsmine.estimator.train import Replicas, Setup, TrainConfig, split
from rsmine.estimator.train.evaluation import sampled_estimate, score_part, validate
from rsmine.estimator.train.loop import _train_epoch
from rsmine.estimator.train.result import BatchResult
from rsmine.estimator.train.stopping import update_best


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("store")
    for name in ("lv", "lb", "le", "runs", "epochs", "origins"):
        p.add_argument(f"--{name}", type=int, required=name in ("lv", "lb", "le"), default=1)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--tau-max", type=float, default=0.5)
    p.add_argument("--components", type=int, default=1)
    p.add_argument("--raw", action="store_true", help="standardise off (inputs as given)")
    p.add_argument("--scale-v", action="store_true", help="V scaled by its per-site std too")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    samples = stores.read_samples(a.store)
    partition = Partition(
        samples.lattice, samples.shape, a.lv, a.lb, a.le, origins=a.origins, seed=a.seed
    )
    v, e = partition.split(samples.configs)
    config = TrainConfig(
        epochs=a.epochs,
        batch=a.batch,
        tau_max=a.tau_max,
        standardise=not a.raw,
        scale_v=a.scale_v,
    )
    setup = Setup.create(config, a.components, partition.mask)
    shared = np.random.default_rng(np.random.SeedSequence(a.seed))
    parts = split(Windows.of_arrays(v, e), config, shared, setup.device)
    state = Replicas.create(setup, parts, a.seed, 0, a.runs)
    result = BatchResult.empty(a.runs, setup.rows, v.shape[2], a.epochs)
    taus: list[float] = []
    for epoch in range(a.epochs):
        train = _train_epoch(setup, parts, state, shared, taus)
        val = validate(setup, state.params, parts).value
        update_best(config, state, train, val, epoch, result)
    best, noise = state.best, state.eval_noise["test"]
    full = score_part(setup, best, parts, "test")
    rows = {
        "hard_full_K": full.value.tolist(),
        "hard_full_K_se": full.stderr.tolist(),
        "hard_batch_K": sampled_estimate(
            setup, best, parts, "test", torch.zeros_like(noise)
        ).tolist(),
        "sampled_batch_K": sampled_estimate(setup, best, parts, "test", noise).tolist(),
        "val": state.best_val.tolist(),
    }
    print(
        json.dumps(
            {
                "store": a.store,
                "lb": a.lb,
                "raw": a.raw,
                "scale_v": a.scale_v,
                "K_test": full.candidates,
                "batch": a.batch,
                **rows,
            }
        )
    )


if __name__ == "__main__":
    main()
