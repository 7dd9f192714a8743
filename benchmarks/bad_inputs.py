"""Try bad inputs and faults on the real ``rsmine`` command; write docs/bad-inputs.md.

Every case runs in one scratch directory that also holds a user's things: a
file ``notes.txt``, a directory ``mydir/`` with a file, a complete samples
store ``S.zarr`` and a runs store ``R.zarr``. Before and after each case their
contents are digested; the script fails (exit 1) if any case changed one, or
left a store looking complete where it should not. The table records the
command, the exit code, the message (stderr's last line) and what was kept.

    python benchmarks/bad_inputs.py [--out docs/bad-inputs.md]

About three CPU-minutes (most of it importing torch for each optimise case).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BIN = Path(sys.executable).parent
RSMINE = str(BIN / "rsmine")
USER = ("notes.txt", "mydir", "S.zarr", "R.zarr")
SMALL = "--L 8 --T 2.3 --samples 400 --seed 1"
OPT = "--lv 2 --lb 1 --le 1 --runs 2 --seed 0 --epochs 3 --batch 20"


@dataclass
class Case:
    """One bad input or fault: a shell command run in the scratch directory.

    prepare: run before (may create scratch inputs); signum: the signal sent 4 s after the
    command's lock file appears (1 s after ``wait_for``, a file in the scratch directory, when
    given); kept: what the case must keep; check: a test of it.
    """

    what: str
    command: str
    prepare: Callable[[Path], None] | None = None
    signum: int | None = None
    kept: str = "the user's files and stores unchanged"
    check: Callable[[Path], bool] | None = None
    wait_for: str | None = None


def _digest(root: Path) -> str:
    sha = hashlib.sha256()
    for name in USER:
        for path in sorted((root / name).rglob("*")) if (root / name).is_dir() else [root / name]:
            sha.update(str(path.relative_to(root)).encode())
            if path.is_file():
                sha.update(path.read_bytes())
    return sha.hexdigest()


def _sh(cmd: str, cwd: Path) -> subprocess.CompletedProcess:
    env = os.environ | {"PATH": f"{BIN}:{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", "-c", cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def fixtures(root: Path) -> None:
    """The user's things every case runs beside (see the module docstring)."""
    (root / "notes.txt").write_text("my notes\n")
    (root / "mydir").mkdir()
    (root / "mydir" / "data.csv").write_text("1,2,3\n")
    for cmd in (
        f"rsmine simulate ising {SMALL} --out S.zarr",
        f"rsmine optimise --samples S.zarr --out R.zarr {OPT}",
    ):
        done = _sh(cmd, root)
        if done.returncode:
            raise SystemExit(done.stderr)


def _copy(name: str) -> Callable[[Path], None]:
    def prepare(root: Path) -> None:
        shutil.copytree(root / "S.zarr", root / name)

    return prepare


def _damaged(edit: Callable[[Path], None]) -> Callable[[Path], None]:
    def prepare(root: Path) -> None:
        _copy("D.zarr")(root)
        edit(root / "D.zarr")

    return prepare


def _chunk(store: Path) -> Path:
    return next(p for p in sorted((store / "configs" / "c").rglob("*")) if p.is_file())


def _truncate(store: Path) -> None:
    chunk = _chunk(store)
    chunk.write_bytes(chunk.read_bytes()[:-5])


def _flip(store: Path) -> None:
    chunk = _chunk(store)
    data = bytearray(chunk.read_bytes())
    data[len(data) // 2] ^= 1
    chunk.write_bytes(bytes(data))


def _reshape(store: Path) -> None:
    meta = json.loads((store / "configs" / "zarr.json").read_text())
    meta["shape"][0] *= 2
    (store / "configs" / "zarr.json").write_text(json.dumps(meta))


def _incomplete(root: Path) -> None:
    _copy("I.zarr")(root)
    meta = json.loads((root / "I.zarr" / "zarr.json").read_text())
    meta["attributes"]["complete"] = False
    (root / "I.zarr" / "zarr.json").write_text(json.dumps(meta))


def _nested(root: Path) -> None:
    _copy("O.zarr")(root)
    shutil.copytree(root / "S.zarr", root / "O.zarr" / "inner.zarr")


def _symlink(root: Path) -> None:
    (root / "link.zarr").symlink_to(root / "S.zarr")


def _arrays(root: Path) -> None:
    np.save(root / "nan.npy", np.full((4, 8, 8), np.nan))
    np.save(root / "flat.npy", np.zeros((4, 64)))
    np.save(root / "text.npy", np.array(["up", "down"]))
    np.save(root / "a8.npy", np.ones((4, 8, 8), np.int8))
    np.save(root / "a6.npy", np.ones((4, 6, 6), np.int8))
    np.savez(root / "two.npz", x=np.ones((4, 8, 8)), y=np.ones((4, 8, 8)))


def _holding_lock(root: Path) -> None:
    """Start a long writer of W.zarr (it holds the lock while the case runs)."""
    cmd = [
        RSMINE,
        "simulate",
        "ising",
        "--L",
        "64",
        "--T",
        "2.269",
        "--samples",
        "200000",
        "--seed",
        "1",
        "--out",
        str(root / "W.zarr"),
    ]
    _BACKGROUND.append(subprocess.Popen(cmd, stderr=subprocess.DEVNULL))
    while not (root / "W.zarr.lock").exists():
        time.sleep(0.05)


_BACKGROUND: list[subprocess.Popen] = []
NESTED_KEPT = "O.zarr and the store inside it unchanged"
LOCK_KEPT = "the first writer's lock and work untouched"
OPTIMISE = f"rsmine optimise --samples S.zarr --out X.zarr {OPT}"
IMPORT = (
    "rsmine import {} --lattice square --periodic true --control T=1 --provenance t --out X.zarr"
)


def _checkpoint_kept(root: Path) -> bool:
    return (root / ".L.zarr.checkpoint.npz").is_file() and not (root / "L.zarr").exists()


def cases() -> list[Case]:
    """The bad inputs and faults tried (at least 40)."""
    sim = "rsmine simulate"
    simulations = [
        Case(what, f"{sim} {args} --out X.zarr")
        for what, args in (
            ("negative temperature", "ising --L 8 --T -1 --samples 10 --seed 1"),
            ("NaN temperature", "ising --L 8 --T nan --samples 10 --seed 1"),
            ("lattice too small", "ising --L 1 --T 2 --samples 10 --seed 1"),
            ("no samples", "ising --L 8 --T 2 --samples 0 --seed 1"),
            ("negative seed", "ising --L 8 --T 2 --samples 10 --seed -3"),
            ("odd antiferromagnet", "ising --L 5 --T 2 --J -1 --samples 10 --seed 1"),
            ("non-number option", "ising --L eight --T 2 --samples 10 --seed 1"),
            ("negative chipping rate", "chipping --L 8 --w -1 --samples 10 --seed 1"),
            ("fractional total mass", "chipping --L 5 --w 1 --density 0.3 --samples 10 --seed 1"),
            ("odd dimer lattice", "dimers --n 7 --T 1 --chains 2 --sweeps 5 --seed 1"),
            ("dimers at T = 0", "dimers --n 8 --T 0 --chains 2 --sweeps 5 --seed 1"),
            ("samples beyond memory", "ising --L 64 --T 2 --samples 100000000000 --seed 1"),
            (
                "dimer sweeps beyond memory",
                "dimers --n 64 --T 1 --chains 2 --sweeps 100000000000 --seed 1",
            ),
        )
    ]
    ising = f"{sim} ising {SMALL} --out"
    others = [
        Case("--out is the user's file", f"{sim} ising {SMALL} --out notes.txt"),
        Case("--out is the user's directory", f"{sim} ising {SMALL} --out mydir"),
        Case("--out inside a store", f"{sim} ising {SMALL} --out S.zarr/inner.zarr"),
        Case("--out holding another store", f"{ising} O.zarr", _nested, kept=NESTED_KEPT),
        Case("--out is a store of another kind", f"{sim} ising {SMALL} --out R.zarr"),
        Case("--out is a symbolic link", f"{sim} ising {SMALL} --out link.zarr", _symlink),
        Case("--out in /proc", f"{sim} ising {SMALL} --out /proc/x.zarr"),
        Case("--out in a missing directory", f"{sim} ising {SMALL} --out missing/x.zarr"),
        Case("--out is .", f"{sim} ising {SMALL} --out ."),
        Case("--out is the input", f"rsmine optimise --samples S.zarr --out S.zarr {OPT}"),
        Case("a second writer of one output", f"{ising} W.zarr", _holding_lock, kept=LOCK_KEPT),
        Case("missing input store", OPTIMISE.replace("S.zarr", "none.zarr")),
        Case("input is a plain file", OPTIMISE.replace("S.zarr", "notes.txt")),
        Case("input is incomplete", OPTIMISE.replace("S.zarr", "I.zarr"), _incomplete),
        Case("input of another kind", OPTIMISE.replace("S.zarr", "R.zarr")),
        Case(
            "input chunk deleted",
            OPTIMISE.replace("S.zarr", "D.zarr"),
            _damaged(lambda s: _chunk(s).unlink()),
        ),
        Case("input chunk truncated", OPTIMISE.replace("S.zarr", "D.zarr"), _damaged(_truncate)),
        Case(
            "input chunk altered (one bit)", OPTIMISE.replace("S.zarr", "D.zarr"), _damaged(_flip)
        ),
        Case("input array shape edited", OPTIMISE.replace("S.zarr", "D.zarr"), _damaged(_reshape)),
        Case("info on a damaged store", "rsmine info D.zarr | grep integrity", _damaged(_flip)),
        Case("window larger than the lattice", OPTIMISE.replace("--le 1", "--le 10")),
        Case("no runs", OPTIMISE.replace("--runs 2", "--runs 0")),
        Case("a billion runs", OPTIMISE.replace("--runs 2", "--runs 1000000000")),
        Case("negative learning rate", f"{OPTIMISE} --lr -1"),
        Case("minibatch larger than a part", OPTIMISE.replace("--batch 20", "--batch 5000")),
        Case("unknown bound", f"{OPTIMISE} --bound mine"),
        Case("--resume without a checkpoint", f"{OPTIMISE} --resume"),
        Case(
            "SIGINT during a simulation",
            f"{sim} ising --L 64 --T 2.269 --samples 200000 --seed 1 --out S.zarr",
            signum=signal.SIGINT,
            kept="the existing S.zarr unchanged",
        ),
        Case(
            "SIGTERM during a simulation",
            f"{sim} chipping --L 256 --w 1 --samples 200000 --seed 1 --out C.zarr",
            signum=signal.SIGTERM,
            kept="nothing written; no partial store",
        ),
        Case(
            "SIGTERM during optimise",
            "rsmine optimise --samples S.zarr --out L.zarr --lv 2 --lb 1 --le 2 --runs 2 "
            "--seed 0 --epochs 200 --patience 200 --batch 20",
            signum=signal.SIGTERM,
            kept="the last epoch's checkpoint (.L.zarr.checkpoint.npz)",
            check=_checkpoint_kept,
            wait_for=".L.zarr.checkpoint.npz",
        ),
        Case("info into a closed pipe", "rsmine info R.zarr | true; exit ${PIPESTATUS[0]}"),
        Case("show-filters to an unknown format", "rsmine show-filters R.zarr -o x.xyz"),
        Case("show-filters to a directory", "rsmine show-filters R.zarr -o mydir"),
        Case("import NaN", IMPORT.format("nan.npy"), _arrays),
        Case("import wrong rank", IMPORT.format("flat.npy"), _arrays),
        Case("import text", IMPORT.format("text.npy"), _arrays),
        Case("import mixed shapes", IMPORT.format("a8.npy a6.npy"), _arrays),
        Case("import ambiguous .npz", IMPORT.format("two.npz"), _arrays),
        Case("import a missing file", IMPORT.format("none.npy")),
        Case("import a CSV", IMPORT.format("mydir/data.csv")),
    ]
    return [*simulations, *others]


def _run(case: Case, root: Path) -> subprocess.CompletedProcess:
    env = os.environ | {"PATH": f"{BIN}:{os.environ['PATH']}"}
    if case.signum is None:
        return _sh(case.command, root)
    proc = subprocess.Popen(
        ["bash", "-c", f"exec {case.command}"],
        cwd=root,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out = case.command.split("--out ")[1].split()[0]
    while not (root / (case.wait_for or f"{out}.lock")).exists():
        time.sleep(0.05)
    time.sleep(1.0 if case.wait_for else 4.0)
    proc.send_signal(case.signum)
    stdout, stderr = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(case.command, proc.returncode, stdout, stderr)


def _left(root: Path, before: set[str]) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name not in before)


def try_case(number: int, case: Case, root: Path, base: set[str]) -> tuple[tuple, bool]:
    """Run one case in ``root`` (holding the user's things ``base``); its table row and whether
    everything of the user's survived (and the case's own check held), then clean up."""
    if case.prepare:
        case.prepare(root)
    prepared = {p.name for p in root.iterdir()}
    before = _digest(root)
    done = _run(case, root)
    for proc in _BACKGROUND:
        proc.send_signal(signal.SIGTERM)
        proc.wait()
    _BACKGROUND.clear()
    lines = done.stderr.strip().splitlines() or done.stdout.strip().splitlines()
    message = lines[-1] if lines else "(nothing printed)"
    left = _left(root, prepared)
    ok = _digest(root) == before and (case.check is None or case.check(root))
    ok = ok and "Traceback" not in done.stderr
    extra = f"; left: {', '.join(left)}" if left else ""
    kept = case.kept + extra if ok else f"FAILED: {case.kept}{extra}"
    for name in {p.name for p in root.iterdir()} - base:
        path = root / name
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    return (number, case.what, case.command, done.returncode, message, kept), ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/bad-inputs.md")
    args = parser.parse_args()
    rows, failures = [], []
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        fixtures(root)
        base = {p.name for p in root.iterdir()}
        for number, case in enumerate(cases(), 1):
            row, ok = try_case(number, case, root, base)
            rows.append(row)
            if not ok:
                failures.append(case.what)
            print(f"{number:3d} rc={row[3]:3d} {case.what}: {row[4]}", file=sys.stderr)
    _write_table(Path(args.out), rows)
    if failures:
        print(f"cases that lost or changed the user's data: {failures}", file=sys.stderr)
        return 1
    return 0


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _write_table(path: Path, rows: list[tuple]) -> None:
    lines = [
        "# Bad inputs and faults",
        "",
        "Generated by `python benchmarks/bad_inputs.py` (rerun it to refresh this table). Each",
        "command ran in a scratch directory holding a user's file `notes.txt`, a directory",
        "`mydir/`, a samples store `S.zarr` and a runs store `R.zarr`; their contents were",
        "digested before and after every case, and the script fails if any changed. Exit codes:",
        "2 refused input, 130/143 interrupted by SIGINT/SIGTERM, 141 closed pipe.",
        "",
        "| # | case | command | exit | message | kept |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {n} | {_cell(what)} | `{_cell(cmd)}` | {rc} | {_cell(msg)} | {_cell(kept)} |"
        for n, what, cmd, rc, msg, kept in rows
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
