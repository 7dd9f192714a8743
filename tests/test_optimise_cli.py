"""``rsmine optimise`` and ``rsmine info`` end to end, and bad input refused before any work."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import zarr

from rsmine import store
from rsmine.cli import main


def _rsmine() -> str:
    """The installed console script (the one beside this interpreter if not on PATH)."""
    return shutil.which("rsmine") or str(Path(sys.executable).parent / "rsmine")


def _sample_store(path: Path, configs: np.ndarray, **attrs) -> Path:
    """A sample store as any program following DESIGN.md would write it."""
    group = zarr.open_group(store=str(path), mode="w", zarr_format=3)
    dims = ["sample", "y", "x", "z"][: configs.ndim]
    group.create_array("configs", data=configs, dimension_names=dims)
    group.attrs.update({"kind": "samples", "complete": True, **attrs})
    return path


def _ising_like(n: int, side: int, seed: int = 0) -> np.ndarray:
    """(n, side, side) int8 ±1 configurations: a global random sign times sparse noise."""
    rng = np.random.default_rng(seed)
    sign = rng.choice(np.array([-1, 1], np.int8), size=(n, 1, 1))
    flips = np.where(rng.random((n, side, side)) < 0.1, -1, 1).astype(np.int8)
    return sign * flips


@pytest.fixture
def samples(tmp_path) -> Path:
    return _sample_store(tmp_path / "samples.zarr", _ising_like(200, 12), lattice="square")


_GOOD = ["--lv", "2", "--lb", "1", "--le", "2", "--runs", "2", "--seed", "5"]


def _args(samples: Path, out: Path, *extra: str, base=_GOOD) -> list[str]:
    replaced = list(base)
    for i in range(0, len(extra), 2):
        if extra[i] in replaced:
            replaced[replaced.index(extra[i]) + 1] = extra[i + 1]
        else:
            replaced += [extra[i], extra[i + 1]]
    return ["optimise", "--samples", str(samples), "--out", str(out), *replaced]


def _refused(capsys, tmp_path, argv, message: str) -> None:
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("rsmine optimise: ") and message in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no store, no temporary


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--runs", "0"), "--runs 0: expected an integer >= 1"),
        (("--first-run", "-1"), "--first-run -1: expected an integer >= 0"),
        (("--seed", "-3"), "--seed -3: expected an integer >= 0"),
        (("--components", "0"), "--components 0: expected an integer >= 1"),
        (("--origins", "0"), "--origins 0: expected an integer >= 1"),
        (("--origins", "1000"), "origins 1000: expected between 1 and 144"),
        (("--bound", "jsd"), "--bound 'jsd': expected one of infonce, nwj, tuba, dv"),
        (("--epochs", "0"), "--epochs 0: expected an integer >= 1"),
        (("--patience", "-1"), "--patience -1: expected an integer >= 0"),
        (("--batch", "1"), "--batch 1: expected an integer >= 2"),
        (("--lr", "0"), "--lr 0.0: expected a finite learning rate > 0"),
        (("--lr", "nan"), "--lr nan: expected a finite learning rate > 0"),
        (("--lv", "0"), "--lv 0: expected an integer >= 1"),
        (("--lb", "-1"), "--lb -1: expected an integer >= 0"),
        (("--le", "0"), "--le 0: expected an integer >= 1"),
        (("--lb", "4", "--le", "3"), "= 16 does not fit in the 12x12 lattice of "),
    ],
)
def test_bad_options_are_refused(capsys, tmp_path, samples, extra, message):
    _refused(capsys, tmp_path, _args(samples, tmp_path / "runs.zarr", *extra), message)


def test_unavailable_cuda_is_refused(capsys, tmp_path, samples):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    argv = _args(samples, tmp_path / "runs.zarr", "--device", "cuda")
    _refused(capsys, tmp_path, argv, "--device cuda: no CUDA device is available")


@pytest.mark.parametrize(
    ("configs", "attrs", "message"),
    [
        (np.zeros((50, 12, 12), np.int8), {"complete": False}, "store is incomplete"),
        (np.zeros((50, 12, 12), np.int8), {"kind": "runs"}, "is a 'runs' store"),
        (np.full((50, 12, 12), np.nan, np.float32), {}, "non-finite values"),
        (np.zeros(50, np.int8), {}, "expected (sample, *lattice)"),
        (np.zeros((5, 4, 4, 4, 4), np.int8), {}, "'configs' has 5 axes"),
        (np.zeros((50, 12, 12), np.int8), {"lattice": "chain"}, "'chain' but 'configs' has 2"),
    ],
)
def test_bad_sample_stores_are_refused(capsys, tmp_path, configs, attrs, message):
    path = tmp_path / "bad.zarr"
    group = zarr.open_group(store=str(path), mode="w", zarr_format=3)
    group.create_array("configs", data=configs)
    group.attrs.update({"kind": "samples", "complete": True, **attrs})
    _refused(capsys, tmp_path, _args(path, tmp_path / "runs.zarr"), f"{path}: ")
    _refused(capsys, tmp_path, _args(path, tmp_path / "runs.zarr"), message)


def test_missing_configs_and_missing_store_are_refused(capsys, tmp_path):
    empty = tmp_path / "empty.zarr"
    zarr.open_group(store=str(empty), mode="w", zarr_format=3).attrs["complete"] = True
    _refused(capsys, tmp_path, _args(empty, tmp_path / "o.zarr"), "no 'configs' array")
    _refused(capsys, tmp_path, _args(tmp_path / "no.zarr", tmp_path / "o.zarr"), "no such store")


def test_output_that_is_not_a_runs_store_is_refused(capsys, tmp_path, samples):
    _refused(capsys, tmp_path, _args(samples, samples), "is the input sample store")
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("do not delete")
    _refused(capsys, tmp_path, _args(samples, precious), "exists and is not a Zarr store")
    other = _sample_store(tmp_path / "other.zarr", np.zeros((3, 4), np.int8))
    _refused(capsys, tmp_path, _args(samples, other), "is a 'samples' store, not a runs store")
    assert (precious / "thesis.tex").read_text() == "do not delete"


def test_console_script_refuses_bad_input_with_exit_2(tmp_path, samples):
    out = tmp_path / "runs.zarr"
    done = subprocess.run(
        [_rsmine(), *_args(samples, out, "--lb", "4", "--le", "3")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"rsmine optimise: --lv 2 + 2*--lb 4 + 2*--le 3 = 16 does not fit "
        f"in the 12x12 lattice of {samples}"
    )
    assert not out.exists()


@pytest.mark.parametrize("kind", ["samples", "runs", "ensemble"])
def test_info_prints_every_kind(capsys, tmp_path, kind):
    path = tmp_path / f"{kind}.zarr"
    with store.building(path, kind, {"lv": 2}, store.seed_record(5)) as group:
        store.write_array(group, "rsmi", np.arange(3, dtype=np.float32), ["run"])
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"kind: {kind}" in out and "rsmi" in out and "run=3" in out and "'lv': 2" in out


def test_info_refuses_what_is_not_a_store(capsys, tmp_path):
    assert main(["info", str(tmp_path / "nothing.zarr")]) == 2
    assert "rsmine info: " in capsys.readouterr().err
