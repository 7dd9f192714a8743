"""Geometry of the V / buffer / E partition, checked on labelled lattices."""

from __future__ import annotations

import numpy as np
import pytest

from rsmine.errors import InputError
from rsmine.estimator.regions import Partition, Windows


def _labelled(shape: tuple[int, ...]) -> np.ndarray:
    """One configuration whose value at each site is its row-major flat index: (1, *shape)."""
    return np.arange(np.prod(shape)).reshape(1, *shape)


def _coords(labels: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """(n, ndim) lattice coordinates of the sites with the given labels."""
    return np.stack(np.unravel_index(labels.astype(np.int64), shape), axis=-1)


def _periodic_offset(coords: np.ndarray, origin: tuple[int, ...], low: int, shape) -> np.ndarray:
    """Offsets from the V origin, mapped periodically into [-low, L - low)."""
    return (coords - np.array(origin) + low) % np.array(shape) - low


@pytest.mark.parametrize(
    ("lattice", "shape", "lv", "lb", "le", "n_env"),
    [
        ("chain", (50,), 4, 3, 5, 2 * 5),
        ("square", (64, 64), 4, 4, 10, 32**2 - 12**2),
        ("cubic", (16, 16, 16), 2, 1, 3, 10**3 - 4**3),
        ("dimer_grid", (32, 32), 8, 4, 4, (24**2 - 16**2) // 2),
    ],
)
def test_sizes_and_disjoint_regions(lattice, shape, lv, lb, le, n_env):
    part = Partition(lattice, shape, lv, lb, le)
    ndim = len(shape)
    assert part.v_shape == (lv,) * ndim
    assert part.n_visible == lv**ndim
    assert part.n_env == n_env
    v, e = part.split(_labelled(shape))
    assert v.shape == (1, 1, lv**ndim) and e.shape == (1, 1, n_env)
    assert v.dtype == np.float32 and e.dtype == np.float32
    labels_v, labels_e = v[0, 0], e[0, 0]
    assert len(set(labels_v)) == len(labels_v) and len(set(labels_e)) == len(labels_e)
    assert not set(labels_v) & set(labels_e)


@pytest.mark.parametrize(
    ("lattice", "shape", "origin"),
    [("chain", (30,), (27,)), ("square", (20, 20), (17, 3)), ("cubic", (14, 14, 14), (12, 0, 5))],
)
def test_v_buffer_e_by_chebyshev_distance_with_wrap(lattice, shape, origin):
    """V is the lv-cube at the origin, E exactly the le-shell outside the lb-buffer, wrapped."""
    lv, lb, le = 3, 2, 3
    part = Partition(lattice, shape, lv, lb, le, origin=origin)
    v, e = part.split(_labelled(shape))
    # distance outside V along each axis: 0 inside [0, lv), else how far beyond an edge
    sites = _coords(np.arange(np.prod(shape)), shape)
    all_offsets = _periodic_offset(sites, origin, lb + le, shape)
    outside = np.maximum(np.maximum(-all_offsets, all_offsets - (lv - 1)), 0).max(axis=-1)
    expected_v = np.flatnonzero(outside == 0)
    expected_e = np.flatnonzero((outside > lb) & (outside <= lb + le))
    assert sorted(v[0, 0].astype(int)) == sorted(expected_v)
    assert sorted(e[0, 0].astype(int)) == sorted(expected_e)
    # the buffer (0 < outside <= lb) is nowhere in V or E
    buffer = set(np.flatnonzero((outside > 0) & (outside <= lb)))
    assert buffer and not buffer & (set(v[0, 0].astype(int)) | set(e[0, 0].astype(int)))
    # V is row-major: its first label is the origin itself, wrapped
    assert int(v[0, 0, 0]) == np.ravel_multi_index(origin, shape)


def test_periodic_wrap_on_a_ring_by_index_arithmetic():
    part = Partition("chain", (20,), lv=2, lb=1, le=2, origin=(19,))
    v, e = part.split(_labelled((20,)))
    assert v[0, 0].tolist() == [19, 0]
    assert sorted(e[0, 0].astype(int).tolist()) == [2, 3, 16, 17]


def test_window_equal_to_lattice_uses_every_site_once():
    part = Partition("square", (12, 12), lv=2, lb=1, le=4)
    v, e = part.split(_labelled((12, 12)))
    assert part.n_visible + part.n_env + (4**2 - 2**2) == 144
    assert len(set(v[0, 0]) | set(e[0, 0])) == part.n_visible + part.n_env


def test_dimer_grid_mask_and_bond_only_environment():
    part = Partition("dimer_grid", (32, 32), lv=8, lb=2, le=4)
    assert part.v_shape == (8, 8) and part.mask.shape == (64,) and part.mask.sum() == 32
    rows, cols = np.divmod(np.arange(64), 8)
    assert np.array_equal(part.mask, (rows + cols) % 2 == 1)  # bonds free, vertices/faces fixed
    _, e = part.split(_labelled((32, 32)))
    e_rows, e_cols = np.divmod(e[0, 0].astype(int), 32)
    assert np.all((e_rows + e_cols) % 2 == 1)
    assert part.n_env == (20**2 - 12**2) // 2


def test_several_origins_are_seeded_distinct_translations():
    shape = (16, 16)
    part = Partition("square", shape, lv=2, lb=1, le=2, origins=5, seed=3)
    again = Partition("square", shape, lv=2, lb=1, le=2, origins=5, seed=3)
    other = Partition("square", shape, lv=2, lb=1, le=2, origins=5, seed=4)
    assert np.array_equal(part.origin_coords, again.origin_coords)
    assert not np.array_equal(part.origin_coords, other.origin_coords)
    assert len({tuple(o) for o in part.origin_coords}) == 5
    v, e = part.split(_labelled(shape))
    assert v.shape == (1, 5, 4) and e.shape == (1, 5, part.n_env)
    single = Partition("square", shape, lv=2, lb=1, le=2, origin=tuple(part.origin_coords[2]))
    sv, se = single.split(_labelled(shape))
    assert np.array_equal(v[:, 2], sv[:, 0]) and np.array_equal(e[:, 2], se[:, 0])


def test_dimer_origins_are_even():
    part = Partition("dimer_grid", (24, 24), lv=4, lb=2, le=2, origins=20, seed=0)
    assert np.all(part.origin_coords % 2 == 0)
    assert np.array_equal(part.mask, Partition("dimer_grid", (24, 24), 4, 2, 2).mask)


def test_split_is_vectorised_over_samples():
    rng = np.random.default_rng(0)
    configs = rng.choice(np.array([-1, 1], dtype=np.int8), size=(7, 20, 20))
    part = Partition("square", (20, 20), lv=3, lb=2, le=3, origins=2, seed=1)
    v, e = part.split(configs)
    for n in range(7):
        vn, en = part.split(configs[n : n + 1])
        assert np.array_equal(v[n], vn[0]) and np.array_equal(e[n], en[0])


def test_windows_are_index_arithmetic_on_the_stored_configurations():
    """Partition.windows copies nothing: window (n, o) is read from the configurations by the
    origin's index arrays, and materialised it is exactly what split gives."""
    rng = np.random.default_rng(2)
    configs = rng.choice(np.array([-1, 1], dtype=np.int8), size=(5, 20, 20))
    part = Partition("square", (20, 20), lv=3, lb=2, le=3, origins=4, seed=1)
    windows = part.windows(configs)
    assert np.shares_memory(windows.e_source, configs) and windows.v_source is windows.e_source
    assert (windows.origins, windows.n_visible, windows.n_env) == (4, 9, part.n_env)
    v, e = part.split(configs)
    assert all(np.array_equal(a, b) for a, b in zip(windows.materialise(), (v, e), strict=True))
    assert np.array_equal(windows.e_source[3, windows.e_index[2]], e[3, 2])
    again = Windows.of_arrays(v, e)  # windows already materialised, addressed the same way
    assert all(np.array_equal(a, b) for a, b in zip(again.materialise(), (v, e), strict=True))
    assert windows.e_source.dtype == np.int8 and v.dtype == np.float32


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            dict(lattice="square", shape=(32, 32), lv=4, lb=8, le=10),
            "= 40 does not fit in the 32x32",
        ),
        (dict(lattice="chain", shape=(10,), lv=4, lb=1, le=3), "= 12 does not fit in the 10 "),
        (dict(lattice="square", shape=(64, 64), lv=0, lb=4, le=10), "lv >= 1"),
        (dict(lattice="square", shape=(64, 64), lv=4, lb=4, le=0), "le >= 1"),
        (dict(lattice="square", shape=(64,), lv=4, lb=4, le=10), "2 axes"),
        (dict(lattice="hexagonal", shape=(64, 64), lv=4, lb=4, le=10), "'hexagonal'"),
        (dict(lattice="dimer_grid", shape=(32, 32), lv=5, lb=2, le=4), "must be even"),
        (dict(lattice="square", shape=(8, 8), lv=2, lb=1, le=1, origins=65), "origins 65"),
        (dict(lattice="dimer_grid", shape=(16, 16), lv=4, lb=1, le=1, origin=(1, 0)), "even"),
    ],
)
def test_bad_geometry_is_refused(kwargs, message):
    with pytest.raises(InputError, match=message.replace("*", r"\*")):
        Partition(**kwargs)


def test_split_refuses_configs_of_another_shape():
    part = Partition("square", (16, 16), lv=2, lb=1, le=2)
    with pytest.raises(InputError, match=r"\(16, 16\)"):
        part.split(np.zeros((3, 16, 17)))
