"""The analysis figures drawn from a synthetic Ising-like ensemble store (real Zarr)."""

import math

import numpy as np
import pytest
from factories import write_runs

from rsmine.aggregate import RunsPart, aggregate
from rsmine.analysis.rsmi.boundaryness import boundaryness_curves, boundaryness_peaks
from rsmine.analysis.rsmi.scaling import buffer_fits_table
from rsmine.analysis.rsmi.summary import components_sweep, summarise
from rsmine.analysis.rsmi.transition import transition_table
from rsmine.figures import rsmi
from rsmine.figures.style import transition_mark

CONTROLS = [0.5, 0.8, 0.9, 1.0, 1.1, 1.2, 1.5, math.inf]
LBS = [0, 1, 2, 4]


@pytest.fixture(scope="module")
def ensemble(tmp_path_factory):
    """RSMI = ln2·step(Tc/T) decaying with lb (exp above Tc, power at Tc); 4 runs per cell;
    a components sweep (1, 2) at Tc/T = 1.5; boundary filters near Tc/T = 1."""
    tmp = tmp_path_factory.mktemp("figs")
    rng = np.random.default_rng(0)
    parts, runs = [], {}
    for i, x in enumerate(CONTROLS):
        step = 0.0 if math.isinf(x) else 1.0 / (1.0 + math.exp(-(x - 1.0) / 0.05))
        for lb in LBS:
            decay = (max(lb, 1) ** -0.1) if x == 1.0 else math.exp(-lb / 1.5)
            level = 0.6 * step * decay + 0.02
            for k in (1, 2) if x == 1.5 else (1,):
                rsmi = level * (1 + 0.1 * (k - 1)) + rng.normal(0, 0.005, 4)
                filters = np.ones((4, k, 4, 4))
                filters[:, :, 1:3, 1:3] = 0.1 + abs(x - 1.0) if math.isfinite(x) else 1.0
                path = write_runs(tmp / f"{i}_{lb}_{k}.zarr", 0, rsmi, [False] * 4, filters=filters)
                parts.append(RunsPart(path, f"P{i}", x, lb, k))
            runs[(f"P{i}", lb)] = 4
    return aggregate(parts, tmp / "ens.zarr", runs)


def test_every_analysis_figure_draws(ensemble, tmp_path):
    ising = transition_mark("ising")
    summary = summarise(ensemble, components=1)
    transitions = transition_table(ensemble, 1, ising.value, n_boot=100)
    steep = transitions[transitions["method"] == "steepest"]
    assert (abs(steep["estimate"] - 1.0) < 0.1).all()  # within the grid spacing
    curves = boundaryness_curves(ensemble, 1)
    peaks = boundaryness_peaks(curves)
    assert (peaks["peak"] == 1.0).all()
    rows, fits = buffer_fits_table(summary)
    at_tc = rows[rows["control"] == 1.0].iloc[0]
    assert at_tc["model"] == "power" and 0.05 < at_tc["upsilon"] < 0.1  # +0.02 offset: < 0.1
    figures = {
        "transition": rsmi.transition(
            summary,
            transitions,
            "Tc/T",
            "synthetic",
            mark=ising,
            path=tmp_path / "transition.png",
        ),
        "buffer_fits": rsmi.buffer_fits(
            summary, fits, "Tc/T", "synthetic", path=tmp_path / "buffer_fits.png"
        ),
        "boundaryness": rsmi.boundaryness(
            curves, peaks, "Tc/T", "synthetic", mark=ising, path=tmp_path / "boundaryness.png"
        ),
        "components": rsmi.components(
            components_sweep(ensemble), "Tc/T", "synthetic", path=tmp_path / "components.png"
        ),
    }
    for name, fig in figures.items():
        assert (tmp_path / f"{name}.png").stat().st_size > 5000
        assert fig.axes[0].get_xlabel() and fig.axes[0].get_ylabel()
        assert fig.legends  # one legend beside the axes
