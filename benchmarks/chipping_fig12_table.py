"""The numbers of benchmarks/RESULTS.md's Fig. 12b section from a chipping_figures run: per w,
H and system, the learned RSMI (validation-best run ± its held-out s.e.), the critic-only
block-mass reference of its runs stores, the model-free and exact w = 0 baselines, and the
ratios learned / reference with their standard errors (nats).

    python benchmarks/chipping_fig12_table.py RESULTS_DIR FIGURE SYSTEM [SYSTEM ...]
"""

import argparse
import math
from pathlib import Path

import pandas as pd

from rsmine import stores
from rsmine.analysis.chipping.baselines import learned_curve, read_baselines_csv


def ratio(a: float, sa: float, b: float, sb: float) -> str:
    """a / b ± its first-order standard error, as text."""
    r = a / b
    return f"{r:.2f} ± {r * math.hypot(sa / a, sb / b):.2f}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("results", type=Path)
    p.add_argument("figure")
    p.add_argument("systems", nargs="+")
    args = p.parse_args()
    base = read_baselines_csv(args.results / f"tables/chipping/{args.figure}_baselines.csv")
    print(base.to_string(index=False))
    for system in args.systems:
        path = args.results / f"ensembles/{system}.zarr"
        curve = learned_curve(path)
        refs = pd.DataFrame(stores.open_store(path, "ensemble").attrs.get("references", []))
        env = "ring" if system != "chipping_thin" else "thin"
        print(f"\n{system}: H {curve['H'].iloc[0]}, le {curve['le'].iloc[0]}")
        for row in curve.itertuples():
            mf = base[(base["w"] == row.w) & (base["environment"] == env) & (base["H"] == row.H)]
            mf = mf.iloc[0]
            text = (
                f"w {row.w:g}: learned {row.best:.4f} ± {row.best_se:.4f} "
                f"(mean {row.mean:.4f} ± {row.sem:.4f}, {row.runs} runs); "
                f"model-free {mf['model_free']:.4f} ± {mf['model_free_se']:.4f}, "
                f"ratio {ratio(row.best, row.best_se, mf['model_free'], mf['model_free_se'])}"
            )
            ref = refs[refs["control"] == row.w] if len(refs) else refs
            if len(ref):
                r = ref.iloc[0]
                text += (
                    f"; critic-only block mass {r['rsmi']:.4f} ± {r['rsmi_se']:.4f}, "
                    f"ratio {ratio(row.best, row.best_se, r['rsmi'], r['rsmi_se'])}, "
                    f"sign-cut model-free {r['plugin']:.4f} ± {r['plugin_se']:.4f}"
                )
            print(text)


if __name__ == "__main__":
    main()
