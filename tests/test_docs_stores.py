"""docs/stores.md documents every array the writers write, with its dtype and dimension names."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import zarr

from rsmine import cli
from rsmine.aggregate import RunsPart, aggregate

DOC = (Path(__file__).resolve().parents[1] / "docs" / "stores.md").read_text()


def _documented(group: zarr.Group) -> list[str]:
    """Arrays of ``group`` whose name, dtype and dimension names no line of the doc gives."""
    missing = []
    for name in group.array_keys():
        array = group[name]
        dims = list(array.metadata.dimension_names)
        lines = [line for line in DOC.splitlines() if line.startswith("|") and f"`{name}`" in line]
        if not any(str(array.dtype) in line and all(d in line for d in dims) for line in lines):
            missing.append(f"{name} {array.dtype} {dims}")
    return missing


@pytest.fixture(scope="module")
def stores(tmp_path_factory, one_thread):
    """A samples store of each sampler, a runs store and an ensemble store, written for real."""
    root = tmp_path_factory.mktemp("stores")
    simulate = {
        "ising": ["--L", "8", "--T", "2.5", "--samples", "400"],
        "chipping": ["--L", "16", "--w", "1", "--samples", "20"],
        "dimers": ["--n", "4", "--T", "1", "--chains", "2", "--sweeps", "5"],
    }
    for model, args in simulate.items():
        out = str(root / f"{model}.zarr")
        assert cli.main(["simulate", model, *args, "--seed", "1", "--out", out]) == 0
    window = ["--lv", "2", "--lb", "1", "--le", "1", "--runs", "2", "--epochs", "2"]
    runs = root / "runs.zarr"
    samples = str(root / "ising.zarr")
    argv = ["optimise", "--samples", samples, "--out", str(runs), *window]
    assert cli.main([*argv, "--batch", "20", "--seed", "1"]) == 0
    aggregate([RunsPart(runs, "T2.5", 2.5, 1)], root / "ens.zarr", {("T2.5", 1): 2})
    return root


@pytest.mark.parametrize("name", ["ising", "chipping", "dimers", "runs", "ens"])
def test_every_written_array_is_documented(stores, name):
    group = zarr.open_group(str(stores / f"{name}.zarr"), mode="r")
    assert f"| `{group.attrs['kind']}` |" in DOC
    assert _documented(group) == []


def test_the_doc_check_has_power():
    group = zarr.open_group(store=zarr.storage.MemoryStore(), mode="w", zarr_format=3)
    group.create_array("rsmi", data=np.zeros(2, np.int16), dimension_names=["run"])
    group.create_array("undocumented", data=np.zeros(2, np.float32), dimension_names=["run"])
    assert sorted(_documented(group)) == ["rsmi int16 ['run']", "undocumented float32 ['run']"]
