"""Learned filters against references, the plateau and the U(1) test on the dimers at T = ∞
(issue 17, items 4-6): trains variants of the optimiser on one sample store and prints, per
variant, the test RSMI of every run, the validation-best run's, the runs near 0, the U(1)
statistics (lv 8, binary H) and the references' scores.

    python benchmarks/est_opt.py STORE --lb 8 --runs 8 --samples 8000 --origins 4 \
        --variant coordinate:lambda_optimiser=coordinate --variant filterwise: ...
"""

import argparse
import time

import numpy as np
import torch

from rsmine import stores
from rsmine.analysis.circular import HARMONICS, harmonic_rayleigh
from rsmine.analysis.dimers.pristine import to_vector
from rsmine.analysis.dimers.u1 import run_angles
from rsmine.estimator.plugin import linear_reference
from rsmine.estimator.regions import Partition, Windows
from rsmine.estimator.train import TrainConfig, train_batch
from rsmine.estimator.train.parts import part_rows
from rsmine.references import reference_filters, score_references
from rsmine.systems import training_defaults

NEAR_ZERO = 0.02  # nats: a run that ends below this is counted as left on the plateau


def parse_variant(text: str) -> tuple[str, dict]:
    """``NAME:key=value,...`` -> (NAME, TrainConfig keywords), numbers parsed."""
    name, _, rest = text.partition(":")
    options = {}
    for item in filter(None, rest.split(",")):
        key, value = item.split("=")
        options[key] = _number(value)
    return name, options


def _number(value: str) -> int | float | bool | str:
    """An option's value: true/false, an int, else a float, else the text."""
    if value in ("true", "false"):
        return value == "true"
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            continue
    return value


def window_arguments() -> argparse.ArgumentParser:
    """The options every dimer-ensemble benchmark takes: the store, the window, runs, seed."""
    p = argparse.ArgumentParser()
    p.add_argument("samples")
    p.add_argument("--lb", type=int, required=True)
    p.add_argument("--lv", type=int, default=8)
    p.add_argument("--le", type=int, default=4)
    p.add_argument("--runs", type=int, default=8)
    p.add_argument("--origins", type=int, default=4)
    p.add_argument("--seed", type=int, default=13)
    return p


def main() -> None:
    p = window_arguments()
    p.add_argument("--samples-used", type=int, default=None)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--references", action="store_true")
    p.add_argument("--variant", action="append", required=True)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    data = stores.read_samples(args.samples)
    configs = data.configs[: args.samples_used]
    part = Partition(
        data.lattice, data.shape, args.lv, args.lb, args.le, origins=args.origins, seed=args.seed
    )
    v, e = part.split(configs)
    base = {k: w for k, w in training_defaults(data.lattice).items() if k != "components"}
    components = training_defaults(data.lattice)["components"]
    print(f"{args.samples}: {len(configs)} configs, lb {args.lb}, origins {args.origins}")
    for text in args.variant:
        name, options = parse_variant(text)
        started = time.process_time()
        result = train_batch(
            v,
            e,
            components=components,
            runs=args.runs,
            seed=args.seed,
            config=TrainConfig(**(base | options)),
            mask=part.mask,
        )
        rsmi = result.rsmi
        best = rsmi[np.nanargmax(result.rsmi_val)]
        best_se = result.rsmi_se[np.nanargmax(result.rsmi_val)]
        u1 = ""
        if data.lattice == "dimer_grid":
            vectors = to_vector(result.filters.reshape(args.runs, components, args.lv, args.lv))
            test = harmonic_rayleigh(run_angles(vectors, args.lv), HARMONICS)
            u1 = (
                f", U(1) n {test.n} R4 {test.resultant[4]:.3f} R8 {test.resultant[8]:.3f} "
                f"p {test.p_value:.3g}"
            )
        print(
            f"{name}: best-by-val {best:.4f} ± {best_se:.4f}, mean {np.nanmean(rsmi):.4f}, near 0 "
            f"{int((rsmi < NEAR_ZERO).sum())}/{args.runs}{u1}, "
            f"cpu {time.process_time() - started:.0f} s"
        )
        print(
            "  rsmi",
            np.round(rsmi, 3).tolist(),
            "epochs",
            result.best_epoch.tolist(),
            "restarts",
            result.restarts.tolist(),
        )
        rows = part_rows(
            len(v), TrainConfig().split, np.random.default_rng(np.random.SeedSequence(args.seed))
        )
        lam = result.filters[np.nanargmax(result.rsmi_val)]
        standard = (v - result.inputs["v_centre"]) / result.inputs["v_scale"]
        hard = linear_reference(standard @ lam.T, e, rows, np.random.default_rng(0))
        print(f"  validation-best filters applied hard, model-free: {hard.mi:.4f} ± {hard.se:.4f}")
    if args.references:
        refs = reference_filters(
            data.attrs.get("params", {}).get("model"), data.lattice, part.v_shape
        )
        config = TrainConfig(**base)
        for r in score_references(
            Windows.of_arrays(v, e), refs, seed=args.seed, config=config, mask=part.mask
        ):
            print(
                f"reference {r.name}: fixed-Λ {r.rsmi:.4f} (val {r.rsmi_val:.4f}), "
                f"model-free {r.plugin:.4f} ± {r.plugin_se:.4f}"
            )


if __name__ == "__main__":
    main()
