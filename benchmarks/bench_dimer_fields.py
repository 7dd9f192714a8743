"""Dimer fields at T = 0.3 (columnar) and T = 15: RSMI vs rotation angle, G(r) of the
coarse-grained H, height-field locking (the numbers of RESULTS.md, "Dimer height field,
rotation, coarse-graining").

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_dimer_fields.py [--out DIR]``
(about 15 minutes on one loaded core). Scale: 16×16 vertices, 32 chains × 250 sweeps
(8000 samples) for the filters; 32×32 vertices, 8 × 250 for the heights.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from rsmine.analysis.coarse.correlation import two_point
from rsmine.analysis.dimers.height_histograms import phase_histograms
from rsmine.coarse_grain import coarse_grain_store, read_components, read_filter
from rsmine.experiments.rotation import ROTATION_PLANES, electric_plane, flatness, rotation_scan
from rsmine.figures import coarse, dimers, rotation
from rsmine.models.dimers.driver import simulate_store
from rsmine.optimise import optimise_store
from rsmine.stores import read_samples

TEMPERATURES = (0.3, 15.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None, help="directory for stores and figures")
    out = Path(parser.parse_args().out or tempfile.mkdtemp(prefix="dimer_fields_"))
    correlations, heights = {}, {}
    for T in (*TEMPERATURES, 0.65):
        store = out / f"h_T{T:g}.zarr"
        simulate_store(store, n=32, T=T, chains=8, sweeps=250, thermalise=50, seed=7)
        heights[f"T={T:g}"] = phase_histograms(read_samples(store).configs, (1, 4, 8))
    print("| T | ⟨cos 4φ⟩ 4×4 | ⟨cos 4φ⟩ 8×8 |\n|---|---|---|")
    for label, table in heights.items():
        lock = table.groupby("block")["lock"].first()
        print(f"| {label[2:]} | {lock[4]:+.3f} | {lock[8]:+.3f} |")
    dimers.height_histograms(heights, path=out / "height.png")
    print("\n| T | plane | mean over θ | range | sem | range/err | p | s |")
    print("|---|---|---|---|---|---|---|---|")
    rotations = {plane: {} for plane in ROTATION_PLANES}
    for T in TEMPERATURES:
        samples, runs = out / f"T{T:g}.zarr", out / f"runs_T{T:g}.zarr"
        simulate_store(samples, n=16, T=T, chains=32, sweeps=250, thermalise=50, seed=5)
        optimise_store(
            samples,
            runs,
            lv=8,
            lb=2,
            le=4,
            components=2,
            runs=8,
            seed=13,
            epochs=40,
            batch=200,
            device="cpu",
        )
        for plane in ROTATION_PLANES:
            started = time.perf_counter()
            table = rotation_scan(
                runs,
                samples,
                angles=9,
                repeats=8,
                seed=17,
                plane=plane,
                train={"epochs": 30, "device": "cpu"},
            )
            seconds = time.perf_counter() - started
            rotations[plane][f"T={T:g}"] = table
            f = flatness(table)
            print(
                f"| {T:g} | {plane} | {f['mean']:.4f} | {f['range']:.4f} | {f['sem']:.4f} "
                f"| {f['range_over_error']:.1f} | {f['p_value']:.2g} | {seconds:.0f} |"
            )
        learned = read_filter(runs, "best")
        basis = electric_plane(8)
        for c, w in enumerate(learned.filters.reshape(2, -1)):
            inside = float(((basis @ w) ** 2).sum() / (w**2).sum())
            print(f"T {T:g}, best run {learned.run_id}: component {c}, {inside:.3f} in (Ex, Ey)")
        coarse_store = coarse_grain_store(runs, samples, out / f"coarse_T{T:g}.zarr", seed=17)
        correlations[f"T={T:g}"] = two_point(read_components(coarse_store))
    for plane, tables in rotations.items():
        title = f"dimers 16x16, lv 8, lb 2: {plane} plane"
        flat = {label: flatness(table) for label, table in tables.items()}
        rotation.rsmi_vs_angle(tables, flat, title, path=out / f"rotation_{plane}.png")
    title = "dimers 16x16: coarse-grained H (lv 8)"
    coarse.two_point(correlations, title, path=out / "g.png")
    print("\n| T | component | G(1) | G(2) |\n|---|---|---|---|")
    for label, table in correlations.items():
        for c, rows in table.groupby("component"):
            g = rows.set_index("r")
            print(
                f"| {label[2:]} | h{c + 1} | {g.loc[1, 'corr']:.3f} ± {g.loc[1, 'err']:.3f} "
                f"| {g.loc[2, 'corr']:.3f} ± {g.loc[2, 'err']:.3f} |"
            )
    print(f"\nfigures in {out}")


if __name__ == "__main__":
    main()
