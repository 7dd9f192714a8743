"""``rsmine import`` (issue 16 item 9): users' own configurations into a samples store,
refusals in one line, and the README's own-data example run end to end."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rsmine import cli, stores

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--lattice", "square", "--periodic", "true", "--control", "T=2.5", "--provenance", "test"]


def _spins(n: int, side: int = 8, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).choice(np.array([-1, 1], np.int8), size=(n, side, side))


def _import(sources: list[Path], out: Path, *args: str) -> int:
    return cli.main(["import", *map(str, sources), *(args or ARGS), "--out", str(out)])


def test_npy_npz_and_a_directory_import_with_their_record(tmp_path):
    a, b = _spins(5, seed=1), _spins(7, seed=2)
    data = tmp_path / "data"
    data.mkdir()
    np.save(data / "a.npy", a)
    np.savez(data / "b.npz", configs=b)
    (data / "notes.txt").write_text("not data")
    out = tmp_path / "s.zarr"
    assert _import([data], out) == 0
    samples = stores.read_samples(out)
    assert (samples.configs == np.concatenate([a, b])).all() and samples.lattice == "square"
    attrs = samples.attrs
    assert attrs["periodic"] is True and attrs["control"] == {"name": "T", "value": 2.5}
    files = attrs["imported"]["files"]
    assert [Path(f["file"]).name for f in files] == ["a.npy", "b.npz"]
    assert files[1]["array"] == "configs" and len(files[0]["sha256"]) == 64
    assert attrs["imported"]["provenance"] == "test"


def test_hdf5_imports_a_named_dataset(tmp_path):
    h5py = pytest.importorskip("h5py")
    grids = _spins(4, side=8)
    path = tmp_path / "runs.h5"
    with h5py.File(path, "w") as handle:
        handle["meta/energy"] = np.zeros(4)
        handle["spins"] = grids
    out = tmp_path / "s.zarr"
    assert _import([path], out) == 2  # two datasets: --key needed
    assert _import([path], out, *ARGS, "--key", "spins") == 0
    assert (stores.read_samples(out).configs == grids).all()


def _write(tmp_path: Path, name: str, array: np.ndarray) -> Path:
    path = tmp_path / name
    np.save(path, array) if name.endswith(".npy") else np.savez(path, **{"x": array, "y": array})
    return path


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"a.npy": np.full((3, 4, 4), np.nan)}, "a.npy: holds 48 NaN or infinite values"),
        ({"a.npy": np.array([[[np.inf]]])}, "a.npy: holds 1 NaN or infinite values"),
        ({"a.npy": np.zeros((3, 4))}, "has 2 axes; --lattice square expects (sample, L, L)"),
        ({"a.npy": np.zeros((3, 4, 4, 4))}, "has 4 axes"),
        ({"a.npy": np.array(["up", "down"])}, "holds <U4 data; expected integers or real"),
        ({"a.npy": np.zeros((2, 4, 4), complex)}, "holds complex128 data"),
        ({"a.npy": np.zeros((2, 4, 4)), "b.npy": np.zeros((2, 6, 6))}, "b.npy: configurations"),
        ({"a.npz": np.zeros((2, 4, 4))}, "holds 2 arrays ['x', 'y']; choose one with --key"),
        ({"a.npy": np.zeros((0, 4, 4))}, "holds no configuration"),
    ],
)
def test_bad_data_is_refused_in_one_line_and_nothing_written(tmp_path, capsys, files, message):
    paths = [_write(tmp_path, name, array) for name, array in files.items()]
    out = tmp_path / "s.zarr"
    assert _import(paths, out) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--control", "T"], "--control 'T': expected NAME=VALUE"),
        (["--provenance", " "], "--provenance: say where"),
    ],
)
def test_bad_options_are_refused(tmp_path, capsys, args, message):
    path = _write(tmp_path, "a.npy", _spins(3))
    base = dict(zip(ARGS[::2], ARGS[1::2], strict=True)) | dict(
        zip(args[::2], args[1::2], strict=True)
    )
    argv = [x for kv in base.items() for x in kv]
    assert _import([path], tmp_path / "s.zarr", *argv) == 2
    assert message in capsys.readouterr().err


def test_an_empty_directory_and_an_unknown_suffix_are_refused(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    (tmp_path / "x.csv").write_text("1,2")
    assert _import([tmp_path / "empty"], tmp_path / "s.zarr") == 2
    assert _import([tmp_path / "x.csv"], tmp_path / "s.zarr") == 2
    err = capsys.readouterr().err
    assert "a directory without .npy, .npz, .h5, .hdf5 files" in err
    assert "unknown suffix '.csv'" in err


def test_the_readme_own_data_example_runs_end_to_end(tmp_path):
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### Bringing your own data") :]
    snippet = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", snippet],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "params.model: imported" in done.stdout and "periodic: True" in done.stdout
    runs = stores.open_store(tmp_path / "my_runs.zarr", "runs")
    assert runs.attrs["params"]["region"]["origins"] > 1  # periodic: many V origins
    assert np.isfinite(runs["rsmi"][...]).all()
