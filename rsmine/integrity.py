"""Integrity of a complete store: checksummed chunks and a manifest, checked on open.

Every array rsmine writes carries the zarr v3 ``crc32c`` codec last in its
codec pipeline (:data:`COMPRESSORS`), so each chunk file ends in the CRC-32C of
the bytes before it. When a store is marked complete, :func:`seal` records in
the root attr ``integrity`` what the store must hold: for every array its
shape, data type and chunk shape, and the key and size in bytes of every chunk
file written (zarr writes no file for a chunk equal to the fill value, so the
list is the truth, not the chunk grid).

:func:`verify` checks a store against its manifest before any work: every
listed chunk present with its size, every array's shape, type and chunking as
recorded, every chunk's checksum. A missing, truncated or altered chunk, or an
edited array shape, is refused with one :class:`InputError` line naming the
store, the array and the chunk.

Stores written before the manifest existed (no ``integrity`` attr) still read,
unverified: :func:`status` says so and ``rsmine info`` shows it; rewriting such
a store with the command that made it adds the manifest.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import google_crc32c
import numpy as np
import zarr
from zarr.codecs import Crc32cCodec, ZstdCodec

from rsmine.errors import InputError

COMPRESSORS = (ZstdCodec(level=0), Crc32cCodec())
"""Bytes-to-bytes codecs of every array: zarr's default compression, then a CRC-32C."""
ATTR = "integrity"
"""The root attr holding the manifest."""
_READ = 1 << 22


def _arrays(root: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(name relative to ``root``, metadata) of every array below ``root``, sorted by name."""
    for directory, subdirs, files in os.walk(root):
        subdirs.sort()
        if "zarr.json" not in files or Path(directory) == root:
            continue
        meta = json.loads((Path(directory) / "zarr.json").read_text())
        if meta.get("node_type") == "array":
            subdirs.clear()  # its chunks, listed by _chunks
            yield Path(directory).relative_to(root).as_posix(), meta


def _chunks(array_dir: Path) -> dict[str, int]:
    """Key (relative to the array) -> size in bytes of every chunk file of an array."""
    found = {}
    for directory, _, files in os.walk(array_dir):
        for name in files:
            path = Path(directory) / name
            key = path.relative_to(array_dir).as_posix()
            if key != "zarr.json":
                found[key] = path.stat().st_size
    return dict(sorted(found.items()))


def _layout(meta: dict[str, Any]) -> dict[str, Any]:
    return {
        "shape": meta["shape"],
        "data_type": meta["data_type"],
        "chunk_shape": meta["chunk_grid"]["configuration"]["chunk_shape"],
    }


def _checksummed(meta: dict[str, Any]) -> bool:
    codecs = meta.get("codecs") or []
    return bool(codecs) and codecs[-1].get("name") == "crc32c"


def manifest(root: str | Path) -> dict[str, Any]:
    """The manifest of the store at ``root``: {"checksum": "crc32c", "arrays": {name: {shape,
    data_type, chunk_shape, checksummed, chunks: {key: bytes}}}}."""
    root = Path(root)
    arrays = {
        name: {**_layout(meta), "checksummed": _checksummed(meta), "chunks": _chunks(root / name)}
        for name, meta in _arrays(root)
    }
    return {"checksum": "crc32c", "arrays": arrays}


def store_root(group: zarr.Group) -> Path:
    """The directory of a group opened from a local path."""
    return Path(group.store.root) / group.path


def seal(group: zarr.Group) -> None:
    """Record the manifest of a fully written store in its root attr ``integrity``
    (call just before the store is marked complete)."""
    group.attrs[ATTR] = manifest(store_root(group))


def _crc_ok(path: Path) -> bool:
    """Whether the last four bytes of the file are the CRC-32C of the bytes before them."""
    size = path.stat().st_size
    if size < 4:
        return False
    crc = google_crc32c.Checksum()
    with path.open("rb") as handle:
        left = size - 4
        while left:
            block = handle.read(min(_READ, left))
            crc.update(block)
            left -= len(block)
        stored = handle.read(4)
    return np.uint32(int.from_bytes(crc.digest(), "big")).tobytes() == stored


def _damage(root: Path, name: str, recorded: dict[str, Any]) -> str | None:
    """What is wrong with array ``name`` against its manifest entry; None if nothing."""
    meta_path = root / name / "zarr.json"
    if not meta_path.is_file():
        return f"array {name!r} is missing (no {name}/zarr.json)"
    layout = _layout(json.loads(meta_path.read_text()))
    for key, value in layout.items():
        if value != recorded[key]:
            return (
                f"array {name!r}: {key} is {value}, but the store was written with {recorded[key]}"
            )
    for key, size in recorded["chunks"].items():
        path = root / name / key
        if not path.is_file():
            return f"array {name!r}: chunk {key} is missing"
        found = path.stat().st_size
        if found != size:
            return f"array {name!r}: chunk {key} has {found} bytes, written with {size}"
        if recorded["checksummed"] and not _crc_ok(path):
            return f"array {name!r}: chunk {key} fails its crc32c checksum (altered)"
    return None


def verify(path: str | Path, attrs: dict[str, Any]) -> None:
    """Refuse a complete store whose arrays differ from its manifest (``attrs``: its root attrs).

    Raises :class:`InputError` naming the store, the array and the chunk; a store
    without a manifest (written before rsmine recorded one) passes unverified.
    """
    recorded = attrs.get(ATTR)
    if recorded is None:
        return
    root = Path(path)
    for name, entry in recorded.get("arrays", {}).items():
        damage = _damage(root, name, entry)
        if damage:
            raise InputError(
                f"{root}: damaged store: {damage}; recreate it with the command that wrote it"
            )


def status(attrs: dict[str, Any]) -> str:
    """One phrase for ``rsmine info``: whether the store carries a manifest."""
    recorded = attrs.get(ATTR)
    if recorded is None:
        return "no manifest (written before checksums; read unverified)"
    arrays = recorded.get("arrays", {})
    chunks = sum(len(entry["chunks"]) for entry in arrays.values())
    return f"crc32c manifest of {len(arrays)} arrays, {chunks} chunks"
