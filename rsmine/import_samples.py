"""Users' own configurations into a samples store (``rsmine import``).

Reads configurations from ``.npy``, ``.npz`` or HDF5 (``.h5``, ``.hdf5``;
needs h5py, the ``[hdf5]`` extra) files, or a directory of such files (read in
name order, concatenated along the sample axis), and writes a complete samples
store: ``configs`` (sample, *lattice) in the files' dtype, root attrs
``lattice``, ``periodic``, ``control`` {name, value}, ``params`` (model
"imported", the same record) and ``imported``: every file with its size and
SHA-256, the array read and the provenance text given.

Refused before anything is written, each with one line naming the file: a
missing file or an unknown suffix, an empty directory, an ambiguous or missing
array name, non-numeric or complex data, NaN or inf, a rank that does not
match the lattice, shapes that differ between files, an odd or non-square
dimer grid, and more data than memory holds.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rsmine import memory, progress, stores
from rsmine.errors import InputError

SUFFIXES = (".npy", ".npz", ".h5", ".hdf5")
_LATTICE_AXES = {"chain": 1, "square": 2, "cubic": 3, "dimer_grid": 2}


@dataclass(frozen=True)
class Control:
    """The control parameter of the imported samples, e.g. T = 2.5."""

    name: str
    value: float

    @classmethod
    def parse(cls, text: str) -> Control:
        """``NAME=VALUE`` (VALUE a number or inf), as given to ``--control``."""
        name, sep, value = text.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not sep or not name.strip() or math.isnan(number):
            raise InputError(f"--control {text!r}: expected NAME=VALUE, e.g. T=2.5")
        return cls(name.strip(), number)


def files_of(source: str | Path) -> list[Path]:
    """The data files of ``source``: itself, or the files with a known suffix in a directory."""
    path = Path(source)
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file())
        if not found:
            raise InputError(f"{path}: a directory without {', '.join(SUFFIXES)} files")
        return found
    if not path.is_file():
        raise InputError(f"{path}: no such file or directory")
    if path.suffix.lower() not in SUFFIXES:
        raise InputError(f"{path}: unknown suffix {path.suffix!r}; expected {', '.join(SUFFIXES)}")
    return [path]


def _only(path: Path, names: list[str], key: str | None, what: str) -> str:
    if key is not None:
        if key not in names:
            raise InputError(f"{path}: no {what} {key!r} (--key); it holds {names}")
        return key
    if len(names) != 1:
        raise InputError(f"{path}: holds {len(names)} {what}s {names}; choose one with --key")
    return names[0]


def _hdf5(path: Path, key: str | None) -> tuple[np.ndarray, str]:
    try:
        import h5py
    except ImportError as exc:
        raise InputError(f"{path}: reading HDF5 needs h5py (pip install 'rsmine[hdf5]')") from exc
    with h5py.File(path, "r") as handle:
        names: list[str] = []
        handle.visititems(lambda name, obj: names.append(name) if hasattr(obj, "dtype") else None)
        name = _only(path, names, key, "dataset")
        return np.asarray(handle[name][...]), name


def read_array(path: Path, key: str | None = None) -> tuple[np.ndarray, str]:
    """The configurations of one file and the name of the array read ("" for .npy)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            return np.load(path, allow_pickle=False), ""
        if suffix == ".npz":
            with np.load(path, allow_pickle=False) as data:
                name = _only(path, list(data.files), key, "array")
                return data[name], name
        return _hdf5(path, key)
    except InputError:
        raise
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"{path}: cannot be read as {suffix} ({exc})") from exc


def check_configs(path: Path, configs: np.ndarray, lattice: str) -> None:
    """Refuse non-numeric data, NaN/inf, a rank not (sample, *lattice) and a bad dimer grid."""
    kind = configs.dtype.kind
    if kind not in "biuf":
        raise InputError(f"{path}: holds {configs.dtype} data; expected integers or real numbers")
    axes = _LATTICE_AXES[lattice]
    if configs.ndim != axes + 1:
        expected = ", ".join(["sample"] + ["L"] * axes)
        raise InputError(
            f"{path}: array of shape {configs.shape} has {configs.ndim} axes; "
            f"--lattice {lattice} expects ({expected})"
        )
    if configs.shape[0] < 1 or 0 in configs.shape:
        raise InputError(f"{path}: array of shape {configs.shape} holds no configuration")
    if kind == "f":
        bad = int(np.count_nonzero(~np.isfinite(configs)))
        if bad:
            raise InputError(f"{path}: holds {bad} NaN or infinite values")
    side = configs.shape[1:]
    if lattice == "dimer_grid" and (side[0] != side[1] or side[0] % 2):
        raise InputError(f"{path}: a dimer bond grid must be square with an even side, got {side}")


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            sha.update(block)
    return sha.hexdigest()


def load(
    sources: list[str | Path], lattice: str, key: str | None
) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Every file's configurations checked and concatenated: (sample, *lattice) and one record
    (file, array, samples, bytes, sha256) per file."""
    if lattice not in _LATTICE_AXES:
        raise InputError(f"--lattice {lattice!r}: expected one of {list(_LATTICE_AXES)}")
    paths = [p for source in sources for p in files_of(source)]
    total = sum(p.stat().st_size for p in paths)
    memory.require_fits(
        "input", f"({len(paths)} files)", 2 * total, "the data", "import fewer files per store"
    )
    arrays, records, first = [], [], None
    for path in paths:
        configs, name = read_array(path, key)
        check_configs(path, configs, lattice)
        if first is not None and configs.shape[1:] != arrays[0].shape[1:]:
            raise InputError(
                f"{path}: configurations of shape {configs.shape[1:]}, but {first} has "
                f"{arrays[0].shape[1:]}; all files must hold one lattice size"
            )
        first = first or path
        arrays.append(configs.astype(np.int8) if configs.dtype == bool else configs)
        record = {"file": str(path.resolve()), "array": name, "samples": len(configs)}
        records.append(record | {"bytes": path.stat().st_size, "sha256": _digest(path)})
    return np.concatenate(arrays), records


def import_store(
    sources: list[str | Path],
    out: str | Path,
    *,
    lattice: str,
    periodic: bool,
    control: Control,
    provenance: str,
    key: str | None = None,
) -> Path:
    """Check and import ``sources`` into the complete samples store ``out`` (see module doc)."""
    if not provenance.strip():
        raise InputError("--provenance: say where the configurations come from")
    out = stores.check_output(out, "samples", inputs=sources)
    configs, records = load(sources, lattice, key)
    record = {
        "model": "imported",
        "lattice": lattice,
        "periodic": bool(periodic),
        "control": {"name": control.name, "value": control.value},
        "samples": len(configs),
    }
    chunks = (min(len(configs), max(1, 2**22 // configs[0].size)), *configs.shape[1:])
    dims = ["sample", *("z", "y", "x")[4 - configs.ndim :]]
    seed = {"entropy": None, "spawn_key": [], "note": "imported configurations: no seed"}
    with stores.building(out, "samples", record, seed) as group:
        group.attrs.update(
            lattice=lattice,
            periodic=bool(periodic),
            control=record["control"],
            imported={"files": records, "provenance": provenance},
        )
        stores.write_array(group, "configs", configs, dims, chunks=chunks)
    progress.summary(
        "import",
        f"{len(configs)} configurations {configs.shape[1:]} {configs.dtype} from "
        f"{len(records)} file(s), lattice {lattice}, periodic {periodic}, "
        f"{control.name}={control.value:g} -> {out}",
    )
    return out
