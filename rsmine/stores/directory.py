"""An rsmine store as a directory: its root attrs, safe replacement, writing, opening.

Every store is one directory whose root group carries the attrs ``kind``,
``rsmine_version``, ``created``, ``params`` (the full parameter record),
``seed`` (entropy and spawn keys) and ``complete``. A store is complete only
when ``complete`` is true; readers refuse anything else.

Nothing a user owns is ever replaced: :func:`check_output` lets a writer
replace an existing path only if it is an rsmine store of the same kind (or an
incomplete leftover of one); every command calls it before any work, and
:func:`create` and :func:`building` call it again before they write.

Two ways to write a store:

- :func:`building` writes under a hidden temporary sibling name and renames it
  into place, marked complete, only when the block exits without error; on
  error the temporary directory is removed. Use it for single-process writers.
- :func:`create` writes in place with ``complete`` false, for writers that fill
  a store from several processes (MPI) or resume one; call
  :func:`mark_complete` when every part is written.
"""

from __future__ import annotations

import json
import os
import shutil
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import zarr

from rsmine import integrity
from rsmine._version import __version__
from rsmine.errors import InputError

# Snakemake drops a ``.snakemake_timestamp`` file into every directory() output;
# zarr warns about it on every listing of a store's members. It is harmless.
warnings.filterwarnings(
    "ignore", message=r"Object at \.snakemake_timestamp is not recognized", category=UserWarning
)

KINDS = ("samples", "runs", "ensemble")
SEE = "see docs/stores.md"
"""Appended to errors about a store's layout: where the layouts are documented."""


def seed_record(entropy: int, spawn_key: Sequence[int] = ()) -> dict[str, Any]:
    """The ``seed`` attr: the root entropy and the spawn key of the root sequence."""
    return {"entropy": int(entropy), "spawn_key": [int(k) for k in spawn_key]}


def _root_attrs(kind: str, params: Mapping[str, Any], seed: Mapping[str, Any]) -> dict:
    if kind not in KINDS:
        raise ValueError(f"store kind must be one of {KINDS}, got {kind!r}")
    return {
        "kind": kind,
        "rsmine_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "params": dict(params),
        "seed": dict(seed),
        "complete": False,
    }


def _rsmine_kind(path: Path) -> str | None:
    """The ``kind`` attr of the rsmine store at directory ``path``; None if it is no rsmine store.

    An rsmine store has a root ``zarr.json`` describing a group whose attributes
    carry ``kind`` (one of ``KINDS``) and ``rsmine_version``; ``complete`` may be
    false (an interrupted or resumable store is still one).
    """
    try:
        meta = json.loads((path / "zarr.json").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("node_type") != "group":
        return None
    attrs = meta.get("attributes")
    if not isinstance(attrs, dict):
        return None
    kind = attrs.get("kind")
    return kind if kind in KINDS and "rsmine_version" in attrs else None


def check_output(path: str | Path, kind: str, inputs: Sequence[str | Path] = ()) -> Path:
    """Refuse an output path a writer of a ``kind`` store may not replace; return it as a Path.

    Accepted: a missing path in a writable directory, an empty directory, or an
    rsmine store of the same ``kind``, complete or not. Refused with an
    :class:`InputError` naming the path and what is there: a file or symbolic
    link, a directory that is not an rsmine store, a store of another kind, one
    of ``inputs``, a path inside a Zarr store or a store holding another rsmine
    store, a missing or unwritable parent directory, a path ending in ``.``
    or ``..`` or the root. Reads only.
    """
    if kind not in KINDS:
        raise ValueError(f"store kind must be one of {KINDS}, got {kind!r}")
    path = Path(path)
    where = f"output {path}"
    if Path(os.path.abspath(path)).name in ("", "..") or path.name in ("", ".", ".."):
        raise InputError(f"{where}: names a directory, not a store (e.g. {path / 'out.zarr'})")
    for source in inputs:
        if Path(source).resolve() == path.resolve():
            raise InputError(f"{where}: is the input {source}; refusing to replace it")
    parent = path.absolute().parent
    if not parent.is_dir():
        what = "is not a directory" if parent.exists() else "does not exist"
        raise InputError(f"{where}: the parent directory {parent} {what}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{where}: the parent directory {parent} is not writable")
    if path.is_symlink():
        raise InputError(f"{where}: is a symbolic link; refusing to replace it")
    _refuse_nesting(path, where)
    if not path.exists():
        return path
    if not path.is_dir():
        raise InputError(f"{where}: is a file, not an rsmine store; refusing to replace it")
    found = _rsmine_kind(path)
    if found == kind:
        return path
    if found is not None:
        raise InputError(
            f"{where}: is an rsmine {found} store, not a {kind} store; refusing to replace it"
        )
    entries = sum(1 for _ in path.iterdir())
    if entries:
        raise InputError(
            f"{where}: is a directory with {entries} entries that is not an rsmine store; "
            "refusing to replace it (choose another path, or remove it yourself)"
        )
    return path


def _refuse_nesting(path: Path, where: str) -> None:
    """Refuse an output inside an existing Zarr store, or one holding another rsmine store
    (replacing it would delete that store)."""
    for parent in path.absolute().parents:
        if (parent / "zarr.json").is_file():
            raise InputError(f"{where}: lies inside the store {parent}; choose a path outside it")
    if not path.is_dir() or path.is_symlink():
        return
    for directory, subdirs, files in os.walk(path):
        inner = Path(directory)
        if inner != path and "zarr.json" in files and _rsmine_kind(inner) is not None:
            raise InputError(
                f"{where}: holds the rsmine store {inner}; refusing to replace it "
                "(move that store out first)"
            )
        if "zarr.json" in files and _is_array(inner):
            subdirs.clear()


def _is_array(path: Path) -> bool:
    try:
        return json.loads((path / "zarr.json").read_text()).get("node_type") == "array"
    except (OSError, ValueError, AttributeError):
        return False


def _new_group(
    path: Path, kind: str, params: Mapping[str, Any], seed: Mapping[str, Any]
) -> zarr.Group:
    """An incomplete store at ``path``, cleared if something of rsmine's is there."""
    group = zarr.open_group(store=str(path), mode="w", zarr_format=3)
    group.attrs.update(_root_attrs(kind, params, seed))
    return group


def create(
    path: str | Path, kind: str, params: Mapping[str, Any], seed: Mapping[str, Any]
) -> zarr.Group:
    """Create an incomplete store at ``path``, replacing only what :func:`check_output` allows."""
    path = check_output(path, kind)
    if path.exists():
        shutil.rmtree(path)
    return _new_group(path, kind, params, seed)


def mark_complete(group: zarr.Group) -> None:
    """Record the store's manifest (:func:`rsmine.integrity.seal`), then flag it complete
    (the last write to it)."""
    integrity.seal(group)
    group.attrs["complete"] = True


@contextmanager
def building(
    path: str | Path, kind: str, params: Mapping[str, Any], seed: Mapping[str, Any]
) -> Iterator[zarr.Group]:
    """Write a store under a temporary name; rename it into place complete on success.

    On any exception the temporary directory is removed and ``path`` is left
    untouched, so nothing half-written ever looks complete. ``path`` is checked
    by :func:`check_output` before the block runs and again before it is replaced.
    """
    path = check_output(path, kind)
    tmp = path.with_name(f".{path.name}.partial-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    group = _new_group(tmp, kind, params, seed)
    try:
        yield group
        mark_complete(group)
        check_output(path, kind)
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_array(
    group: zarr.Group,
    name: str,
    data: np.ndarray,
    dims: Sequence[str],
    chunks: tuple[int, ...] | None = None,
    attrs: Mapping[str, Any] | None = None,
) -> zarr.Array:
    """Write ``data`` as array ``name`` with ``dimension_names`` = ``dims``."""
    data = np.asarray(data)
    if data.ndim != len(dims):
        raise ValueError(f"array {name!r} has {data.ndim} axes but {len(dims)} dimension names")
    array = group.create_array(
        name,
        shape=data.shape,
        dtype=data.dtype,
        chunks=chunks or "auto",
        compressors=integrity.COMPRESSORS,
        dimension_names=list(dims),
        attributes=dict(attrs or {}),
    )
    if data.size:
        array[...] = data
    return array


def empty_array(
    group: zarr.Group,
    name: str,
    shape: tuple[int, ...],
    dtype: Any,
    dims: Sequence[str],
    chunks: tuple[int, ...],
) -> zarr.Array:
    """Create an array to be filled chunk by chunk (possibly by several processes)."""
    if len(shape) != len(dims):
        raise ValueError(f"array {name!r} has {len(shape)} axes but {len(dims)} dimension names")
    return group.create_array(
        name,
        shape=shape,
        dtype=dtype,
        chunks=chunks,
        compressors=integrity.COMPRESSORS,
        dimension_names=list(dims),
    )


def _open_group(path: Path, mode: str = "r") -> zarr.Group:
    if not path.exists():
        raise InputError(f"{path}: no such store")
    if not (path / "zarr.json").is_file():
        raise InputError(f"{path}: not a Zarr v3 store (no zarr.json at its root); {SEE}")
    try:
        return zarr.open_group(store=str(path), mode=mode, zarr_format=3)
    except Exception as exc:
        raise InputError(f"{path}: cannot be opened as a Zarr v3 group ({exc}); {SEE}") from exc


def open_store(path: str | Path, kind: str | None = None, *, complete: bool = True) -> zarr.Group:
    """Open a store read-only, refusing an incomplete store, one of another kind, or a
    complete one that fails its integrity check (:func:`rsmine.integrity.verify`).

    With ``complete=False`` an incomplete store is accepted too (for resuming),
    opened for appending, unverified.
    """
    path = Path(path)
    group = _open_group(path, mode="r" if complete else "r+")
    found = group.attrs.get("kind")
    if kind is not None and found is not None and found != kind:
        raise InputError(f"{path}: is a {found!r} store, expected a {kind!r} store; {SEE}")
    if complete and group.attrs.get("complete") is not True:
        raise InputError(
            f"{path}: store is incomplete (root attr 'complete' is not true); "
            f"it was interrupted or is still being written; {SEE}"
        )
    if complete:
        integrity.verify(path, group.attrs.asdict())
    return group
