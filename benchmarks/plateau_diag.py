"""Why a run stays on the initial plateau (issue 17 item 5), dimers on the bond grid: trains one
variant and prints, per run, the share of each initial and kept filter's squared norm in
span{Ex, Ey}, the validation and training estimates every ``--every`` epochs, the restarts, and
the model-free score of the kept filters' hard H (plug-in against a linear statistic of E).

    python benchmarks/plateau_diag.py STORE --lb 8 --seed 13 --origins 4 \
        --variant nopatience:patience=0,epochs=60
"""

import numpy as np
import torch
from est_opt import parse_variant, window_arguments

from rsmine import stores
from rsmine.analysis.dimers.pristine import overlap, to_vector
from rsmine.estimator import coarse
from rsmine.estimator.plugin import linear_reference
from rsmine.estimator.regions import Partition
from rsmine.estimator.train import TrainConfig, train_batch
from rsmine.estimator.train.parts import part_rows
from rsmine.estimator.train.replicas import streams
from rsmine.systems import training_defaults


def _shares(filters: np.ndarray, lv: int) -> np.ndarray:
    """(runs, components) share of each filter (runs, components, n_visible) in span{Ex, Ey}."""
    runs, components = filters.shape[:2]
    return overlap(to_vector(filters.reshape(runs, components, lv, lv)), ("Ex", "Ey"), lv)


def main() -> None:
    p = window_arguments()
    p.add_argument("--every", type=int, default=2)
    p.add_argument("--variant", default="defaults:")
    args = p.parse_args()
    torch.set_num_threads(1)
    data = stores.read_samples(args.samples)
    part = Partition(
        data.lattice, data.shape, args.lv, args.lb, args.le, origins=args.origins, seed=args.seed
    )
    v, e = part.split(data.configs)
    defaults = training_defaults(data.lattice)
    components = defaults.pop("components")
    name, options = parse_variant(args.variant)
    config = TrainConfig(**(defaults | options))
    r = train_batch(
        v, e, components=components, runs=args.runs, seed=args.seed, config=config, mask=part.mask
    )
    mask = torch.as_tensor(part.mask, dtype=torch.float32)
    initial = np.stack(
        [
            coarse.init_filters(streams(args.seed, k)[0], components, v.shape[-1], mask).numpy()
            for k in range(args.runs)
        ]
    )
    before, after = _shares(initial, args.lv), _shares(r.filters, args.lv)
    rows = part_rows(len(v), config.split, np.random.default_rng(np.random.SeedSequence(args.seed)))
    standard = (v - r.inputs["v_centre"]) / r.inputs["v_scale"]
    rsmi = np.round(r.rsmi.astype(np.float64), 3).tolist()
    print(f"{name}: rsmi {rsmi}, restarts {r.restarts.tolist()}")
    for k in range(args.runs):
        hard = linear_reference(standard @ r.filters[k].T, e, rows, np.random.default_rng(0))
        print(
            f"run {k}: rsmi {r.rsmi[k]:.3f}, best epoch {r.best_epoch[k]}, share in span{{Ex,Ey}}"
            f" {np.round(before[k], 3).tolist()} -> {np.round(after[k], 3).tolist()}, hard H"
            f" model-free {hard.mi:.4f} ± {hard.se:.4f}"
        )
        for part_name, column in (("val", 1), ("train", 0)):
            history = r.history[k, :: args.every, column].astype(np.float64)
            print(f"  {part_name}", np.round(history[np.isfinite(history)], 3).tolist())


if __name__ == "__main__":
    main()
