"""Integrity on read: checksummed chunks and the manifest, checked before any work (issue 16)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rsmine import integrity, stores
from rsmine.errors import InputError

BIN = Path(sys.executable).parent


def _samples(path: Path) -> Path:
    """A complete two-chunk sample store written through rsmine's own writer."""
    configs = np.random.default_rng(0).integers(0, 2, size=(8, 4, 4), dtype=np.int8) * 2 - 1
    with stores.building(path, "samples", {"model": "test"}, stores.seed_record(0)) as group:
        stores.write_array(group, "configs", configs, ["sample", "y", "x"], chunks=(4, 4, 4))
    return path


def _chunk(path: Path) -> Path:
    return path / "configs" / "c" / "1" / "0" / "0"


def test_a_sealed_store_reads_and_records_every_chunk(tmp_path):
    path = _samples(tmp_path / "s.zarr")
    recorded = stores.open_store(path).attrs[integrity.ATTR]["arrays"]["configs"]
    assert sorted(recorded["chunks"]) == ["c/0/0/0", "c/1/0/0"]
    assert recorded["checksummed"] and recorded["shape"] == [8, 4, 4]
    assert stores.read_samples(path).configs.shape == (8, 4, 4)


def _delete(chunk: Path) -> None:
    chunk.unlink()


def _truncate(chunk: Path) -> None:
    chunk.write_bytes(chunk.read_bytes()[:-3])


def _alter(chunk: Path) -> None:
    data = bytearray(chunk.read_bytes())
    data[len(data) // 2] ^= 0x10
    chunk.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_delete, "array 'configs': chunk c/1/0/0 is missing"),
        (_truncate, "array 'configs': chunk c/1/0/0 has"),
        (_alter, "array 'configs': chunk c/1/0/0 fails its crc32c checksum"),
    ],
)
def test_a_damaged_chunk_is_refused_naming_store_array_and_chunk(tmp_path, damage, message):
    path = _samples(tmp_path / "s.zarr")
    damage(_chunk(path))
    with pytest.raises(InputError, match=message) as caught:
        stores.read_samples(path)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_an_edited_shape_is_refused(tmp_path):
    path = _samples(tmp_path / "s.zarr")
    meta_path = path / "configs" / "zarr.json"
    meta = json.loads(meta_path.read_text())
    meta["shape"] = [16, 4, 4]
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(InputError, match=r"array 'configs': shape is \[16, 4, 4\]"):
        stores.read_samples(path)


def test_a_store_without_a_manifest_still_reads_and_info_says_so(tmp_path):
    path = _samples(tmp_path / "s.zarr")
    root = json.loads((path / "zarr.json").read_text())
    del root["attributes"][integrity.ATTR]
    (path / "zarr.json").write_text(json.dumps(root))
    assert stores.read_samples(path).n_samples == 8
    assert "no manifest" in stores.describe(path)


def test_optimise_on_a_damaged_store_exits_2_with_one_line_before_any_work(tmp_path):
    path = _samples(tmp_path / "s.zarr")
    _delete(_chunk(path))
    out = tmp_path / "r.zarr"
    done = subprocess.run(
        [
            BIN / "rsmine",
            "optimise",
            "--samples",
            path,
            "--out",
            out,
            "--lv",
            "2",
            "--lb",
            "1",
            "--le",
            "1",
            "--runs",
            "1",
            "--seed",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "chunk c/1/0/0 is missing" in done.stderr
    assert not out.exists()
    assert "Traceback" not in done.stderr
