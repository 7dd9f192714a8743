"""Before/after timing of the training engine on a shared machine: this tree against a git revision.

Absolute times on a machine shared with other jobs are meaningless, so this script times the
same ``train_batch`` calls (the bench_train.py setting: 64x64 Ising at Tc, lv 4, lb 4, le 10,
batch 100, lr 5e-3, early stopping off) for the code at ``--base`` (extracted with ``git
archive``) and for this working tree, alternating them round by round on the SAME samples, each
in a fresh process, and reports per-run process CPU time and wall time and their ratios
(this tree / base, median over rounds). Quiet-machine time is then estimated as a quiet
measurement of the base times the CPU-time ratio.

Run: .venv/bin/python benchmarks/ab_train.py [--base REV] [--new REV] [--runs 1 16 64] [--epochs 10]
     [--rounds 2] [--threads 1] [--samples 20000]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from rsmine.estimator.regions import Partition
from rsmine.models.ising import simulate
from rsmine.systems import ISING_TC

ROOT = Path(__file__).resolve().parent.parent

WORKER = """
import json, sys, time
import numpy as np, torch
from rsmine.estimator.train import TrainConfig, train_batch
v, e = np.load(sys.argv[1]), np.load(sys.argv[2])
epochs, threads, runs = int(sys.argv[3]), int(sys.argv[4]), [int(r) for r in sys.argv[5:]]
torch.set_num_threads(threads)
config = TrainConfig(epochs=epochs, patience=0, batch=100, lr=5e-3)
out = {}
for r in runs:
    wall, cpu = time.perf_counter(), time.process_time()
    result = train_batch(v, e, components=1, runs=r, seed=1, config=config)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    out[r] = [wall / r, cpu / r, float(np.nanmean(result.rsmi))]
print(json.dumps(out))
"""


def measure(tree: Path, data: list[str], args: argparse.Namespace) -> dict[int, list[float]]:
    """Per R: [wall s per run, CPU s per run, mean test RSMI] for the code in ``tree``."""
    env = dict(os.environ, PYTHONPATH=str(tree), OMP_NUM_THREADS=str(args.threads))
    cmd = [sys.executable, "-c", WORKER, *data, str(args.epochs), str(args.threads)]
    cmd += [str(r) for r in args.runs]
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True, cwd=tree)
    return {int(k): v for k, v in json.loads(out.stdout.splitlines()[-1]).items()}


def extract(revision: str, into: Path) -> Path:
    """The tree of ``revision`` (git archive) extracted into ``into``."""
    into.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="0e3a7c6", help="git revision to compare against")
    parser.add_argument("--new", default=None, help="git revision instead of the working tree")
    parser.add_argument("--runs", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--samples", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rsmine-ab-") as tmp:
        base = extract(args.base, Path(tmp) / "base")
        new = ROOT if args.new is None else extract(args.new, Path(tmp) / "new")
        configs = simulate(64, ISING_TC, samples=args.samples, seed=1).configs
        v, e = Partition("square", (64, 64), lv=4, lb=4, le=10).split(configs)
        data = [str(Path(tmp) / "v.npy"), str(Path(tmp) / "e.npy")]
        np.save(data[0], v)
        np.save(data[1], e)
        print(
            f"# base {args.base} vs {args.new or 'working tree'}; {args.samples} samples, "
            f"{args.epochs} epochs, "
            f"{args.threads} thread(s), {args.rounds} rounds; load average "
            f"{os.getloadavg()[0]:.1f}",
            flush=True,
        )
        times: dict[str, list[dict[int, list[float]]]] = {"base": [], "new": []}
        for _ in range(args.rounds):
            for name, tree in (("base", base), ("new", new)):
                times[name].append(measure(tree, data, args))
                print(f"# {name}: {json.dumps(times[name][-1])}", flush=True)
    print("R  base_cpu/run  new_cpu/run  cpu_ratio  base_wall/run  new_wall/run", end="")
    print("  rsmi_base  rsmi_new")
    for r in args.runs:
        b = np.median([t[r] for t in times["base"]], axis=0)
        n = np.median([t[r] for t in times["new"]], axis=0)
        print(
            f"{r:3d}  {b[1]:11.3f}  {n[1]:11.3f}  {n[1] / b[1]:9.3f}  {b[0]:13.3f}  "
            f"{n[0]:12.3f}  {b[2]:9.4f}  {n[2]:8.4f}"
        )


if __name__ == "__main__":
    main()
