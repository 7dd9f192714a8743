"""Store layouts: atomic writing, validation on reading, and ``describe``."""

from __future__ import annotations

import numpy as np
import pytest
import zarr

from rsmine import stores
from rsmine.errors import InputError


def _plain_samples(path, configs, **attrs):
    """A sample store written by plain zarr, following docs/stores.md, with only the given attrs."""
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
    with stores.building(out, "samples", {"L": 4}, stores.seed_record(7, [1])) as group:
        stores.write_array(group, "configs", np.ones((3, 4, 4), np.int8), ["sample", "y", "x"])
        assert not out.exists()
    assert _leftovers(tmp_path) == ["s.zarr"]
    group = stores.open_store(out, "samples")
    assert group.attrs["complete"] is True
    assert group.attrs["seed"] == {"entropy": 7, "spawn_key": [1]}
    assert group.attrs["params"] == {"L": 4}
    assert group["configs"].metadata.dimension_names == ("sample", "y", "x")


def test_building_leaves_nothing_on_error_and_keeps_the_old_store(tmp_path):
    out = tmp_path / "s.zarr"
    with stores.building(out, "samples", {"version": 1}, stores.seed_record(0)) as group:
        stores.write_array(group, "configs", np.ones((2, 4), np.int8), ["sample", "x"])
    with pytest.raises(RuntimeError, match="boom"):
        with stores.building(out, "samples", {"version": 2}, stores.seed_record(0)) as group:
            stores.write_array(group, "configs", np.zeros((2, 4), np.int8), ["sample", "x"])
            raise RuntimeError("boom")
    assert _leftovers(tmp_path) == ["s.zarr"]
    assert stores.open_store(out).attrs["params"] == {"version": 1}


def test_building_on_error_with_no_previous_store_leaves_no_directory(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with stores.building(tmp_path / "s.zarr", "runs", {}, stores.seed_record(0)):
            raise KeyboardInterrupt
    assert _leftovers(tmp_path) == []


def test_read_samples_accepts_a_plain_zarr_store(tmp_path):
    configs = np.random.default_rng(0).choice([-1, 1], size=(5, 6, 6)).astype(np.int8)
    path = _plain_samples(tmp_path / "p.zarr", configs, complete=True)
    samples = stores.read_samples(path)
    assert samples.lattice == "square" and samples.shape == (6, 6) and samples.n_samples == 5
    assert np.array_equal(samples.configs, configs)


@pytest.mark.parametrize(
    ("shape", "lattice"), [((4, 10), "chain"), ((4, 6, 6), "square"), ((4, 3, 3, 3), "cubic")]
)
def test_read_samples_infers_the_lattice_from_the_axes(tmp_path, shape, lattice):
    path = _plain_samples(tmp_path / "p.zarr", np.zeros(shape, np.int32), complete=True)
    assert stores.read_samples(path).lattice == lattice


def test_read_samples_ignores_foreign_attrs(tmp_path):
    configs = np.zeros((2, 4, 4), np.int8)
    path = _plain_samples(tmp_path / "f.zarr", configs, complete=True, params="made by hand")
    assert stores.read_samples(path).lattice == "square"


def test_read_samples_reads_a_dimer_grid_and_observables(tmp_path):
    path = _plain_samples(
        tmp_path / "d.zarr", np.zeros((3, 8, 8), np.int8), complete=True, lattice="dimer_grid"
    )
    group = zarr.open_group(store=str(path), mode="r+", zarr_format=3)
    group.create_array("energy", shape=(3,), dtype="f8", dimension_names=["sample"])[...] = 1.5
    samples = stores.read_samples(path, observables=["energy"])
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
        stores.read_samples(path)
    assert "bad.zarr" in str(info.value)


def test_read_samples_refuses_missing_configs_and_missing_observables(tmp_path):
    group = zarr.open_group(store=str(tmp_path / "m.zarr"), mode="w", zarr_format=3)
    group.attrs["complete"] = True
    with pytest.raises(InputError, match="no 'configs' array"):
        stores.read_samples(tmp_path / "m.zarr")
    path = _plain_samples(tmp_path / "o.zarr", np.zeros((2, 4)), complete=True)
    with pytest.raises(InputError, match="no per-sample array 'energy'"):
        stores.read_samples(path, observables=["energy"])


def test_open_store_refuses_what_is_not_a_store(tmp_path):
    with pytest.raises(InputError, match="no such store"):
        stores.open_store(tmp_path / "nothing.zarr")
    (tmp_path / "dir").mkdir()
    with pytest.raises(InputError, match="not a Zarr v3 store"):
        stores.open_store(tmp_path / "dir")


def test_create_then_mark_complete(tmp_path):
    group = stores.create(tmp_path / "c.zarr", "samples", {}, stores.seed_record(1))
    stores.empty_array(group, "configs", (4, 2), "i1", ["sample", "x"], chunks=(2, 2))
    with pytest.raises(InputError, match="incomplete"):
        stores.open_store(tmp_path / "c.zarr")
    resumed = stores.open_store(tmp_path / "c.zarr", "samples", complete=False)
    resumed["configs"][2:] = 1
    stores.mark_complete(resumed)
    assert stores.read_samples(tmp_path / "c.zarr").configs.sum() == 4


def test_write_array_checks_dimension_names(tmp_path):
    group = stores.create(tmp_path / "w.zarr", "runs", {}, stores.seed_record(1))
    with pytest.raises(ValueError, match="2 axes but 1 dimension names"):
        stores.write_array(group, "a", np.zeros((2, 2)), ["run"])


@pytest.mark.parametrize("kind", stores.KINDS)
def test_describe_summarises_every_kind(tmp_path, kind):
    path = tmp_path / f"{kind}.zarr"
    with stores.building(path, kind, {"lv": 4}, stores.seed_record(3)) as group:
        stores.write_array(group, "rsmi", np.zeros(5, np.float32), ["run"])
        group.attrs["lattice"] = "square"
    text = stores.describe(path)
    assert f"kind: {kind}" in text and "complete: True" in text
    assert (
        "rsmi" in text and "run=5" in text and "params.lv: 4" in text and "lattice: square" in text
    )


def test_describe_summarises_the_rsmi_of_finished_runs(tmp_path):
    path = tmp_path / "runs.zarr"
    with stores.building(path, "runs", {}, stores.seed_record(3)) as group:
        stores.write_array(group, "rsmi", np.array([0.5, 0.7, np.nan], np.float32), ["run"])
        stores.write_array(group, "failed", np.array([False, False, True]), ["run"])
    line = next(t for t in stores.describe(path).splitlines() if "RSMI" in t)
    assert "mean 0.6000 ± 0.1000 over 2 runs" in line and "max 0.7000" in line
    assert line.endswith("1 failed")


def _precious(path):
    """A user's directory holding one file, as a path a careless --out could name."""
    path.mkdir()
    (path / "thesis.tex").write_text("do not delete")
    return path


def _rsmine_store(path, kind, complete=True):
    group = stores.create(path, kind, {"L": 4}, stores.seed_record(1))
    if complete:
        stores.mark_complete(group)
    return path


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (lambda p: p, "samples"),  # missing path
        (lambda p: p.mkdir() or p, "runs"),  # empty directory: nothing of anyone's
        (lambda p: _rsmine_store(p, "runs"), "runs"),
        (lambda p: _rsmine_store(p, "samples", complete=False), "samples"),  # leftover
    ],
    ids=["missing", "empty-dir", "same-kind", "incomplete-leftover"],
)
def test_check_output_accepts_what_may_be_replaced(tmp_path, make, kind):
    out = make(tmp_path / "out.zarr")
    assert stores.check_output(out, kind) == out
    assert stores.check_output(str(out), kind) == out


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_precious, r"is a directory with 1 entries that is not an rsmine store"),
        (lambda p: p.write_text("data") and p, r"is a file, not an rsmine store"),
        (lambda p: _rsmine_store(p, "samples"), r"is an rsmine samples store, not a runs store"),
        (  # a Zarr store that looks like one but that rsmine did not write
            lambda p: _plain_samples(p, np.zeros((2, 4), np.int8), kind="runs", complete=True),
            r"is a directory with 2 entries that is not an rsmine store",
        ),
        (
            lambda p: p.symlink_to(_rsmine_store(p.with_name("t.zarr"), "runs")) or p,
            "is a symbolic link",
        ),
    ],
    ids=["user-dir", "file", "other-kind", "foreign-zarr", "symlink"],
)
def test_check_output_refuses_what_is_not_its_own(tmp_path, make, message):
    out = make(tmp_path / "out.zarr")
    before = {p.name: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    with pytest.raises(InputError, match=rf"^output {out}: {message}"):
        stores.check_output(out, "runs")
    for name in ("create", "building"):  # the writers refuse the same way
        with pytest.raises(InputError, match=message):
            if name == "create":
                stores.create(out, "runs", {}, stores.seed_record(0))
            else:
                with stores.building(out, "runs", {}, stores.seed_record(0)):
                    pytest.fail("building ran its block on a refused path")
    assert {p.name: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_check_output_refuses_bad_parents_and_inputs(tmp_path, monkeypatch):
    missing = tmp_path / "no" / "out.zarr"
    with pytest.raises(InputError, match=rf"^output {missing}: the parent directory .* not exist"):
        stores.check_output(missing, "samples")
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match=r"the parent directory .* is not a directory"):
        stores.check_output(tmp_path / "f" / "out.zarr", "samples")
    samples = _rsmine_store(tmp_path / "s.zarr", "runs")
    with pytest.raises(InputError, match=rf"is the input {samples}; refusing"):
        stores.check_output(tmp_path / "." / "s.zarr", "runs", inputs=[samples])
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path / "empty")  # an empty directory, named as "."
    for odd in (tmp_path / "s.zarr" / "..", ".", "/"):
        with pytest.raises(InputError, match="names a directory, not a store"):
            stores.check_output(odd, "samples")
    with pytest.raises(ValueError, match="store kind must be one of"):
        stores.check_output(tmp_path / "x.zarr", "figures")


def test_building_checks_the_path_again_before_replacing_it(tmp_path):
    out = tmp_path / "s.zarr"
    with pytest.raises(InputError, match="is a directory with 1 entries"):
        with stores.building(out, "samples", {}, stores.seed_record(0)) as group:
            stores.write_array(group, "configs", np.ones((2, 4), np.int8), ["sample", "x"])
            _precious(out)  # another program wrote there meanwhile
    assert _leftovers(tmp_path) == ["s.zarr"]
    assert (out / "thesis.tex").read_text() == "do not delete"


def test_create_replaces_its_own_leftover(tmp_path):
    out = _rsmine_store(tmp_path / "s.zarr", "samples", complete=False)
    stores.empty_array(stores.open_store(out, complete=False), "old", (2,), "i1", ["x"], (2,))
    group = stores.create(out, "samples", {"L": 8}, stores.seed_record(2))
    assert list(group.array_keys()) == [] and group.attrs["params"] == {"L": 8}


def test_layout_errors_cite_the_store_contract(tmp_path):
    (tmp_path / "dir").mkdir()
    with pytest.raises(InputError, match=r"not a Zarr v3 store .*; see docs/stores\.md$"):
        stores.open_store(tmp_path / "dir")
    runs = _rsmine_store(tmp_path / "r.zarr", "runs")
    with pytest.raises(InputError, match=r"expected a 'samples' store; see docs/stores\.md$"):
        stores.read_samples(runs)
    path = _plain_samples(tmp_path / "p.zarr", np.zeros((2, 4), np.int8), complete=True)
    with pytest.raises(InputError, match=r"no per-sample array 'energy'; see docs/stores\.md$"):
        stores.read_samples(path, observables=["energy"])
