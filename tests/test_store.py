"""Store layouts: atomic writing, validation on reading, and ``describe``."""

from __future__ import annotations

import numpy as np
import pytest
import zarr

from rsmine import store
from rsmine.errors import InputError


def _plain_samples(path, configs, **attrs):
    """A sample store written by plain zarr, following DESIGN.md, with only the given attrs."""
    group = zarr.open_group(store=str(path), mode="w", zarr_format=3)
    array = group.create_array(
        "configs",
        shape=configs.shape,
        dtype=configs.dtype,
        dimension_names=["sample"] + [f"x{i}" for i in range(configs.ndim - 1)],
    )
    array[...] = configs
    group.attrs.update(attrs)
    return path


def _leftovers(tmp_path):
    return sorted(p.name for p in tmp_path.iterdir())


def test_building_renames_into_place_complete(tmp_path):
    out = tmp_path / "s.zarr"
    with store.building(out, "samples", {"L": 4}, store.seed_record(7, [1])) as group:
        store.write_array(group, "configs", np.ones((3, 4, 4), np.int8), ["sample", "y", "x"])
        assert not out.exists()
    assert _leftovers(tmp_path) == ["s.zarr"]
    group = store.open_store(out, "samples")
    assert group.attrs["complete"] is True
    assert group.attrs["seed"] == {"entropy": 7, "spawn_key": [1]}
    assert group.attrs["params"] == {"L": 4}
    assert group["configs"].metadata.dimension_names == ("sample", "y", "x")


def test_building_leaves_nothing_on_error_and_keeps_the_old_store(tmp_path):
    out = tmp_path / "s.zarr"
    with store.building(out, "samples", {"version": 1}, store.seed_record(0)) as group:
        store.write_array(group, "configs", np.ones((2, 4), np.int8), ["sample", "x"])
    with pytest.raises(RuntimeError, match="boom"):
        with store.building(out, "samples", {"version": 2}, store.seed_record(0)) as group:
            store.write_array(group, "configs", np.zeros((2, 4), np.int8), ["sample", "x"])
            raise RuntimeError("boom")
    assert _leftovers(tmp_path) == ["s.zarr"]
    assert store.open_store(out).attrs["params"] == {"version": 1}


def test_building_on_error_with_no_previous_store_leaves_no_directory(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with store.building(tmp_path / "s.zarr", "runs", {}, store.seed_record(0)):
            raise KeyboardInterrupt
    assert _leftovers(tmp_path) == []


def test_read_samples_accepts_a_plain_zarr_store(tmp_path):
    configs = np.random.default_rng(0).choice([-1, 1], size=(5, 6, 6)).astype(np.int8)
    path = _plain_samples(tmp_path / "p.zarr", configs, complete=True)
    samples = store.read_samples(path)
    assert samples.lattice == "square" and samples.shape == (6, 6) and samples.n_samples == 5
    assert np.array_equal(samples.configs, configs)


@pytest.mark.parametrize(
    ("shape", "lattice"), [((4, 10), "chain"), ((4, 6, 6), "square"), ((4, 3, 3, 3), "cubic")]
)
def test_read_samples_infers_the_lattice_from_the_axes(tmp_path, shape, lattice):
    path = _plain_samples(tmp_path / "p.zarr", np.zeros(shape, np.int32), complete=True)
    assert store.read_samples(path).lattice == lattice


def test_read_samples_ignores_foreign_attrs(tmp_path):
    configs = np.zeros((2, 4, 4), np.int8)
    path = _plain_samples(tmp_path / "f.zarr", configs, complete=True, params="made by hand")
    assert store.read_samples(path).lattice == "square"


def test_read_samples_reads_a_dimer_grid_and_observables(tmp_path):
    path = _plain_samples(
        tmp_path / "d.zarr", np.zeros((3, 8, 8), np.int8), complete=True, lattice="dimer_grid"
    )
    group = zarr.open_group(store=str(path), mode="r+", zarr_format=3)
    group.create_array("energy", shape=(3,), dtype="f8", dimension_names=["sample"])[...] = 1.5
    samples = store.read_samples(path, observables=["energy"])
    assert samples.lattice == "dimer_grid"
    assert np.array_equal(samples.observables["energy"], [1.5, 1.5, 1.5])


@pytest.mark.parametrize(
    ("configs", "attrs", "message"),
    [
        (np.zeros((3, 4, 4)), {}, "incomplete"),
        (np.zeros((3, 4, 4)), {"complete": "yes"}, "incomplete"),
        (np.zeros((3, 4, 4)), {"complete": True, "kind": "runs"}, "'runs' store, expected"),
        (np.array([[0.0, np.nan]] * 2), {"complete": True}, "non-finite"),
        (np.array([[0.0, np.inf]] * 2), {"complete": True}, "non-finite"),
        (np.zeros(5), {"complete": True}, r"shape \(5,\)"),
        (np.zeros((2, 2, 2, 2, 2)), {"complete": True}, "has 5 axes"),
        (np.zeros((0, 4)), {"complete": True}, "no samples"),
        (np.zeros((2, 4, 4), bool), {"complete": True}, "dtype bool"),
        (
            np.zeros((2, 4, 4)),
            {"complete": True, "lattice": "cubic"},
            "'cubic' but 'configs' has 2",
        ),
        (np.zeros((2, 4, 4)), {"complete": True, "lattice": "hex"}, "'hex', expected one of"),
        (np.zeros((2, 6, 4)), {"complete": True, "lattice": "dimer_grid"}, "square with an even"),
        (np.zeros((2, 5, 5)), {"complete": True, "lattice": "dimer_grid"}, "square with an even"),
    ],
)
def test_read_samples_refuses_bad_stores(tmp_path, configs, attrs, message):
    path = _plain_samples(tmp_path / "bad.zarr", configs, **attrs)
    with pytest.raises(InputError, match=message) as info:
        store.read_samples(path)
    assert "bad.zarr" in str(info.value)


def test_read_samples_refuses_missing_configs_and_missing_observables(tmp_path):
    group = zarr.open_group(store=str(tmp_path / "m.zarr"), mode="w", zarr_format=3)
    group.attrs["complete"] = True
    with pytest.raises(InputError, match="no 'configs' array"):
        store.read_samples(tmp_path / "m.zarr")
    path = _plain_samples(tmp_path / "o.zarr", np.zeros((2, 4)), complete=True)
    with pytest.raises(InputError, match="no per-sample array 'energy'"):
        store.read_samples(path, observables=["energy"])


def test_open_store_refuses_what_is_not_a_store(tmp_path):
    with pytest.raises(InputError, match="no such store"):
        store.open_store(tmp_path / "nothing.zarr")
    (tmp_path / "dir").mkdir()
    with pytest.raises(InputError, match="not a Zarr v3 store"):
        store.open_store(tmp_path / "dir")


def test_create_then_mark_complete(tmp_path):
    group = store.create(tmp_path / "c.zarr", "samples", {}, store.seed_record(1))
    store.empty_array(group, "configs", (4, 2), "i1", ["sample", "x"], chunks=(2, 2))
    with pytest.raises(InputError, match="incomplete"):
        store.open_store(tmp_path / "c.zarr")
    resumed = store.open_store(tmp_path / "c.zarr", "samples", complete=False)
    resumed["configs"][2:] = 1
    store.mark_complete(resumed)
    assert store.read_samples(tmp_path / "c.zarr").configs.sum() == 4


def test_write_array_checks_dimension_names(tmp_path):
    group = store.create(tmp_path / "w.zarr", "runs", {}, store.seed_record(1))
    with pytest.raises(ValueError, match="2 axes but 1 dimension names"):
        store.write_array(group, "a", np.zeros((2, 2)), ["run"])


@pytest.mark.parametrize("kind", store.KINDS)
def test_describe_summarises_every_kind(tmp_path, kind):
    path = tmp_path / f"{kind}.zarr"
    with store.building(path, kind, {"lv": 4}, store.seed_record(3)) as group:
        store.write_array(group, "rsmi", np.zeros(5, np.float32), ["run"])
        group.attrs["lattice"] = "square"
    text = store.describe(path)
    assert f"kind: {kind}" in text and "complete: True" in text
    assert (
        "rsmi" in text and "run=5" in text and "params.lv: 4" in text and "lattice: square" in text
    )


def test_describe_summarises_the_rsmi_of_finished_runs(tmp_path):
    path = tmp_path / "runs.zarr"
    with store.building(path, "runs", {}, store.seed_record(3)) as group:
        store.write_array(group, "rsmi", np.array([0.5, 0.7, np.nan], np.float32), ["run"])
        store.write_array(group, "failed", np.array([False, False, True]), ["run"])
    line = next(t for t in store.describe(path).splitlines() if "RSMI" in t)
    assert "mean 0.6000 ± 0.1000 over 2 runs" in line and "max 0.7000" in line
    assert line.endswith("1 failed")
