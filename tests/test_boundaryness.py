"""Boundaryness (Eq. 19) on hand-made filters, and its ensemble curves from a real store."""

import math

import numpy as np
import pytest
from factories import write_runs

from rsmine.aggregate import RunsPart, aggregate
from rsmine.analysis.rsmi.boundaryness import (
    boundaryness,
    boundaryness_curves,
    boundaryness_peaks,
    run_boundaryness,
)
from rsmine.errors import InputError
from rsmine.stores.ensemble import read_ensemble


def ring(lv: int) -> np.ndarray:
    filt = np.ones((lv, lv))
    filt[1:-1, 1:-1] = 0.0
    return filt


def test_hand_made_filters():
    assert boundaryness(np.ones((4, 4))) == pytest.approx(12 / 4)
    assert boundaryness(-np.ones((5, 5))) == pytest.approx(16 / 9)
    assert math.isinf(boundaryness(ring(4)))  # boundary only: no bulk weight
    bulk = 1.0 - ring(4)
    assert boundaryness(bulk) == 0.0  # bulk only
    assert math.isnan(boundaryness(np.zeros((4, 4))))
    # signs cancel inside each region: a staggered filter sums to 0 on the ring
    stagger = (-1.0) ** np.add.outer(np.arange(4), np.arange(4))
    assert math.isnan(boundaryness(stagger))
    batch = boundaryness(np.stack([np.ones((4, 4)), bulk, 2 * np.ones((4, 4))]))
    assert batch.tolist() == [3.0, 0.0, 3.0]
    with pytest.raises(InputError, match="side >= 3"):
        boundaryness(np.ones((2, 2)))
    with pytest.raises(InputError, match=r"\(\.\.\., lv, lv\)"):
        boundaryness(np.ones((4, 3)))


def test_a_perfect_staggered_filter_reads_as_its_ferromagnetic_image():
    """Eq. 19 on (-1)^(x+y) x (a ferromagnetic filter) after unstaggering equals Eq. 19 on that
    filter: a uniform staggered 4x4 filter is 12/4 = 3, a staggered ring is a boundary filter."""
    stagger = (-1.0) ** np.add.outer(np.arange(4), np.arange(4))
    runs = np.stack([np.stack([stagger]), np.stack([stagger * ring(4)])])
    assert run_boundaryness(runs, staggered=True).tolist() == [3.0, math.inf]
    plain = run_boundaryness(runs)  # without unstaggering: the signs cancel in both regions
    assert np.isnan(plain).all()


def test_runs_take_the_most_boundary_component_and_skip_nan_padding():
    nan = np.full((4, 4), np.nan)
    filters = np.stack(
        [
            np.stack([np.ones((4, 4)), ring(4)]),  # 3 and inf -> inf
            np.stack([1.0 - ring(4), nan]),  # 0 and padding -> 0
            np.stack([nan, nan]),
        ]
    )
    out = run_boundaryness(filters)
    assert math.isinf(out[0]) and out[1] == 0.0 and math.isnan(out[2])


def test_ensemble_curves_median_rescaled_and_peak(tmp_path):
    rng = np.random.default_rng(0)
    parts = []
    for i, (control, bulk) in enumerate([(0.5, 1.0), (1.0, 0.25), (1.5, 1.0 / 3.0)]):
        filters = np.ones((3, 2, 4, 4)) + 0.01 * rng.normal(size=(3, 2, 4, 4))
        filters[:, :, 1:3, 1:3] *= bulk  # boundaryness 12 / (4 * bulk): 3, 12, 9
        path = write_runs(tmp_path / f"p{i}.zarr", 0, [0.1] * 3, [False] * 3, filters=filters)
        parts.append(RunsPart(path, f"P{i}", control, 2, components=2))
    out = aggregate(parts, tmp_path / "ens.zarr", {(p.point, 2): 3 for p in parts})
    curves = boundaryness_curves(out)
    assert curves["runs"].tolist() == [3, 3, 3]
    assert curves["median"].to_numpy() == pytest.approx([3.0, 12.0, 9.0], rel=0.05)
    assert curves["rescaled"].to_numpy() == pytest.approx([0.25, 1.0, 0.75], rel=0.05)
    assert boundaryness_peaks(curves)["peak"].tolist() == [1.0]


def test_runs_that_found_nothing_do_not_make_peaks(tmp_path):
    """A paramagnet's runs (test RSMI at 0) keep random starts with a tiny bulk sum: their
    boundaryness of ~300 is left out, and the peak is where the filters carry information."""
    rng = np.random.default_rng(1)
    parts = []
    for i, (control, bulk, rsmi) in enumerate([(0.5, 0.01, -0.001), (1.0, 0.25, 0.3)]):
        filters = np.ones((3, 1, 4, 4)) + 0.001 * rng.normal(size=(3, 1, 4, 4))
        filters[:, :, 1:3, 1:3] *= bulk  # boundaryness 12 / (4 * bulk): 300, 12
        path = write_runs(tmp_path / f"p{i}.zarr", 0, [rsmi] * 3, [False] * 3, filters=filters)
        parts.append(RunsPart(path, f"P{i}", control, 2, components=1))
    out = aggregate(parts, tmp_path / "ens.zarr", {(p.point, 2): 3 for p in parts})
    curves = boundaryness_curves(out)
    assert curves["control"].tolist() == [1.0] and curves["runs"].tolist() == [3]
    assert boundaryness_peaks(curves)["peak"].tolist() == [1.0]
    raw = run_boundaryness(read_ensemble(out)["filters"])  # what they would have said
    assert raw.max() == pytest.approx(300.0, rel=0.05)


def test_ensemble_of_small_blocks_is_refused(tmp_path):
    path = write_runs(tmp_path / "a.zarr", 0, [0.1, 0.2], [False, False])  # V is 2x2
    out = aggregate([RunsPart(path, "A", 1.0, 2)], tmp_path / "ens.zarr", {("A", 2): 2})
    with pytest.raises(InputError, match="side >= 3"):
        boundaryness_curves(out)
