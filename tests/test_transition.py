"""Transition estimates: steepest change and boundaryness peak with bootstrap CIs over runs."""

import math

import numpy as np
import pytest
from factories import write_runs

from rsmine.aggregate import RunsPart, aggregate
from rsmine.analysis.rsmi.transition import (
    bootstrap,
    curve_shape,
    grid_error,
    parabolic_peak,
    steepest,
    transition_table,
)
from rsmine.figures.style import transition_mark
from rsmine.systems import transition

X = np.linspace(0.5, 1.5, 21)  # control grid, spacing 0.05


def step_runs(x0: float, seed: int, runs: int = 8, noise: float = 0.05) -> list[np.ndarray]:
    """Per-run RSMI (nats) at each X: a smooth step ln 2 / (1 + e^-(x - x0)/0.06) plus noise."""
    rng = np.random.default_rng(seed)
    curve = math.log(2) / (1.0 + np.exp(-(X - x0) / 0.06))
    return [c + rng.normal(0.0, noise, runs) for c in curve]


def test_steepest_and_parabolic_peak_on_exact_curves():
    assert steepest(X, np.tanh((X - 1.02) / 0.1)) == pytest.approx(1.02, abs=0.01)
    assert steepest(X[::-1], -np.tanh((X[::-1] - 0.8) / 0.1)) == pytest.approx(0.8, abs=0.01)
    assert math.isnan(steepest(X[:3], X[:3]))
    assert parabolic_peak(X, -((X - 1.01) ** 2)) == pytest.approx(1.01, abs=1e-9)
    assert parabolic_peak(X, X) == 1.5  # maximum at the end of the grid


def test_bootstrap_ci_covers_the_true_transition_on_noisy_steps():
    covered, widths = 0, []
    seeds = range(20)
    for seed in seeds:
        x0 = 0.9 + 0.2 * np.random.default_rng(100 + seed).random()  # off the grid
        estimate, low, high = bootstrap(X, step_runs(x0, seed), steepest, n_boot=300, seed=seed)
        assert low <= estimate <= high
        covered += low <= x0 <= high
        widths.append(high - low)
    # nominal 95 %; >= 16 of 20 fails by chance with probability < 0.02
    assert covered >= 16
    assert np.median(widths) < 0.15  # sharp: a fraction of the 1.0-wide grid
    again = bootstrap(X, step_runs(1.0, 0), steepest, n_boot=300, seed=0)
    assert again == bootstrap(X, step_runs(1.0, 0), steepest, n_boot=300, seed=0)


def test_known_transitions_in_control_units():
    assert transition_mark("ising").value == 1.0  # Tc/T at Onsager's Tc
    assert transition_mark("dimers").value == transition("dimers").value
    assert transition_mark(None) is None


def test_transition_table_from_an_ensemble_store(tmp_path):
    runs = step_runs(1.0, 7)
    parts = []
    for i, (x, values) in enumerate(zip(X, runs, strict=True)):
        filters = np.ones((len(values), 1, 4, 4))
        filters[:, :, 1:3, 1:3] = 0.2 + (x - 1.0) ** 2  # bulk weakest at x = 1
        path = write_runs(
            tmp_path / f"p{i}.zarr", 0, values, [False] * len(values), filters=filters
        )
        parts.append(RunsPart(path, f"P{i}", float(x), 4))
    inf = write_runs(
        tmp_path / "inf.zarr", 0, [0.0] * 8, [False] * 8, filters=np.ones((8, 1, 4, 4))
    )
    parts.append(RunsPart(inf, "Pinf", math.inf, 4))  # infinite control values are skipped
    out = aggregate(parts, tmp_path / "ens.zarr", {(p.point, 4): 8 for p in parts})
    table = transition_table(out, exact=1.0, n_boot=200)
    assert table["method"].tolist() == ["rsmi", "boundaryness_peak"]
    steep, peak = table.iloc[0], table.iloc[1]
    assert steep["shape"] == "step"
    assert steep["ci_low"] <= 1.0 <= steep["ci_high"] and steep["exact"] == 1.0
    # the interval holds the grid error: at least one grid spacing (0.05) wide
    assert steep["ci_high"] - steep["ci_low"] >= 0.05 - 1e-12
    assert steep["runs"] == 8 * len(X)
    assert peak["estimate"] == pytest.approx(1.0, abs=1e-6)


def test_curve_shape_tells_steps_peaks_and_flat_curves():
    rng = np.random.default_rng(3)
    runs = 8

    def noisy(curve):
        return [c + rng.normal(0.0, 0.02, runs) for c in curve]

    assert curve_shape(step_runs(1.0, 1)) == "step"
    assert curve_shape(noisy(0.4 * np.exp(-(((X - 1.0) / 0.15) ** 2)))) == "peak"
    assert curve_shape(noisy(np.full(X.shape, 0.11))) == "none"
    # a flat curve with a hump of one standard error is not a peak
    assert curve_shape(noisy(0.11 + 0.007 * np.exp(-(((X - 1.0) / 0.1) ** 2)))) == "none"


def test_grid_error_is_half_the_local_spacing():
    grid = np.array([0.1, 0.2, 0.4, 0.8])
    assert grid_error(grid, 0.15) == pytest.approx(0.1)  # cells 0.1 and 0.2 around it
    assert grid_error(X, 1.0) == pytest.approx(0.025)


def test_interval_stays_within_the_scanned_range(tmp_path):
    """A step at the second of four coarse points (chipping's w 0.1, 1/3, 1, 2): the grid
    widening (half a cell) would pass below w = 0; the interval is cut at the grid's ends."""
    x = [0.1, 0.333, 1.0, 2.0]
    rng = np.random.default_rng(5)
    parts = []
    for i, (w, level) in enumerate(zip(x, (0.17, 0.21, 0.26, 0.26), strict=True)):
        values = level + rng.normal(0.0, 0.01, 12)
        filters = np.ones((12, 1, 4, 4))
        path = write_runs(tmp_path / f"w{i}.zarr", 0, values, [False] * 12, filters=filters)
        parts.append(RunsPart(path, f"w{w:g}", w, 8))
    out = aggregate(parts, tmp_path / "ens.zarr", {(p.point, 8): 12 for p in parts})
    steep = transition_table(out, exact=1.0 / 3.0, n_boot=200).iloc[0]
    assert steep["shape"] == "step"
    assert 0.1 <= steep["ci_low"] <= steep["estimate"] <= steep["ci_high"] <= 2.0
