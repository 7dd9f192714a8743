"""Selection precision of validation on k origins per configuration (issue #17 item 8).

Validation picks each run's epoch and stops it; scoring every origin every epoch costs as much
as a training epoch at O = 9. This trains R replicas for ``--epochs`` epochs without stopping
(the trajectory does not depend on validation), scores after every epoch the validation part
on k = 1, 2, 3, ... origins per configuration (:func:`validation_slots`) and on all O, and the
test part at all O, then replays the default stopping rule (patience, warm-up) with each
validation and reports the test RSMI of the epoch it keeps: mean, minimum, and the regret
(best test epoch's RSMI minus the kept one's), per k. 64x64 Ising at Tc, lv 4, lb 4, le 10,
the Table II setting at the defaults.

Run: .venv/bin/python benchmarks/val_origins.py [--configs FILE.npy] [--seed 23] [--runs 16]
     [--origins 8] [--ks 1 2 3] [--epochs 30]
Without --configs, 20 000 configurations are simulated from --seed (the critical-point test's).
"""

import argparse

import numpy as np
import torch

from rsmine.estimator.regions import Partition
from rsmine.estimator.train import Replicas, Setup, TrainConfig, split
from rsmine.estimator.train.evaluation import score_part, validation_slots
from rsmine.estimator.train.loop import _train_epoch
from rsmine.models.ising import simulate
from rsmine.systems import ISING_TC


def kept_epochs(val: np.ndarray, config: TrainConfig) -> np.ndarray:
    """The epoch each run keeps under ``config``'s stopping rule: val (epochs, R) -> (R,)."""
    kept = np.zeros(val.shape[1], int)
    for r in range(val.shape[1]):
        best, best_epoch = -np.inf, 0
        for epoch, value in enumerate(val[:, r]):
            if value > best:
                best, best_epoch = value, epoch
            waited = epoch - max(best_epoch, config.warmup - 1)
            if config.patience > 0 and waited >= config.patience:
                break
        kept[r] = best_epoch
    return kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default=None)
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--runs", type=int, default=16)
    parser.add_argument("--origins", type=int, default=8)
    parser.add_argument("--ks", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.configs:
        configs = np.load(args.configs)
    else:
        configs = simulate(64, ISING_TC, samples=20_000, seed=args.seed).configs
    partition = Partition("square", (64, 64), 4, 4, 10, origins=args.origins, seed=args.seed)
    config = TrainConfig(epochs=args.epochs)
    setup = Setup.create(config, 1, None)
    shared = np.random.default_rng(np.random.SeedSequence(args.seed))
    parts = split(partition.windows(configs), config, shared, setup.device)
    state = Replicas.create(setup, parts, args.seed, 0, args.runs, 1)
    ks = [k for k in args.ks if k < args.origins] + [args.origins]
    slots = {k: validation_slots(parts.size("val"), args.origins, k) for k in ks}
    val = {k: np.zeros((args.epochs, args.runs)) for k in ks}
    test = np.zeros((args.epochs, args.runs))
    taus: list[float] = []
    for epoch in range(args.epochs):
        _train_epoch(setup, parts, state, shared, taus)
        for k in ks:
            val[k][epoch] = score_part(setup, state.params, parts, "val", slots=slots[k]).value
        test[epoch] = score_part(setup, state.params, parts, "test").value.numpy()
        print(f"epoch {epoch}: test {test[epoch].mean():.4f}", flush=True)
    np.savez("val_origins.npz", test=test, **{f"val_k{k}": v for k, v in val.items()})
    best = test.max(0)
    print(f"# {args.runs} runs, O = {args.origins}, seed {args.seed}, {args.epochs} epochs")
    print("k  mean_test  min_test  mean_regret  max_regret  mean_kept_epoch")
    for k in ks:
        kept = kept_epochs(val[k], config)
        chosen = test[kept, np.arange(args.runs)]
        regret = best - chosen
        print(
            f"{k}  {chosen.mean():.4f}  {chosen.min():.4f}  {regret.mean():.4f}  "
            f"{regret.max():.4f}  {kept.mean():.1f}"
        )


if __name__ == "__main__":
    main()
