"""Fig. 12b's baselines: the continuous model-free reference, the exact and model-free
baselines of chipping samples, curve shapes, the learned curve and the figure."""

import math

import numpy as np
import pandas as pd
import pytest
from factories import write_runs

from rsmine.aggregate import RunsPart, aggregate
from rsmine.analysis.chipping.baselines import (
    COLUMNS,
    CSV_NAMES,
    baselines_table,
    learned_curve,
    read_baselines_csv,
)
from rsmine.analysis.rsmi.transition import shape_of
from rsmine.analysis.tables import write_csv
from rsmine.errors import InputError
from rsmine.estimator.plugin import binned_reference
from rsmine.figures.chipping import rsmi_baselines
from rsmine.models import chipping


def test_binned_reference_recovers_a_planted_gaussian_mi():
    """H ~ N(0, 1) read from E = (H + noise, 7 junk columns): I = ½ ln 2 = 0.347 nats, of which
    16 quantile bins keep most; shuffled pairs give ≈ 0 (the test has power)."""
    rng = np.random.default_rng(0)
    n, origins = 12000, 2
    h = rng.normal(size=(n, origins))
    e = np.concatenate([(h + rng.normal(size=h.shape))[..., None], rng.normal(size=(n, 2, 7))], -1)
    rows = {"train": np.arange(0, 8000), "test": np.arange(8000, n)}
    found = binned_reference(h, e, rows, np.random.default_rng(1))["continuous"]
    exact = 0.5 * math.log(2.0)
    assert 0.9 * exact < found.mi < exact + 4 * found.se
    assert found.se < 0.02
    shuffled = binned_reference(h, e[rng.permutation(n)], rows, np.random.default_rng(1))
    shuffled = shuffled["continuous"]
    assert abs(shuffled.mi) < 4 * shuffled.se + 0.01


@pytest.fixture(scope="module")
def w0_store(tmp_path_factory):
    """A chipping sample store at w = 0 (uniform steady state): L 32, 3000 samples."""
    path = tmp_path_factory.mktemp("chip") / "w0.zarr"
    chipping.simulate_store(path, L=32, w=0.0, density=1.0, samples=3000, chains=2, seed=3)
    return path


def test_baselines_at_w0_sit_at_or_below_the_exact_values(w0_store, tmp_path):
    """At w = 0 the model-free references are lower bounds on the exact RSMI: within 4 s.e.
    below it (ring) and near 0 (thin), where the exact ring value is many s.e. above the thin."""
    table = baselines_table({0.0: w0_store}, 4, 2, 12, le_thin=3, origins=4)
    assert list(table.columns) == COLUMNS and len(table) == 4
    rows = table.set_index(["environment", "H"])
    for h in ("binary", "continuous"):
        ring, thin = rows.loc[("ring", h)], rows.loc[("thin", h)]
        assert ring["model_free"] < ring["exact_w0"] + 4 * ring["model_free_se"]
        assert ring["model_free"] > 0.75 * ring["exact_w0"]  # the linear read-out finds most
        assert thin["exact_w0"] < 0.5 * ring["exact_w0"]
        assert thin["model_free"] < thin["exact_w0"] + 4 * thin["model_free_se"] + 0.01
        assert ring["model_free"] - thin["model_free"] > 4 * math.hypot(
            ring["model_free_se"], thin["model_free_se"]
        )
    # the continuous block mass holds more than its sign
    assert rows.loc[("ring", "continuous"), "exact_w0"] > rows.loc[("ring", "binary"), "exact_w0"]
    path = write_csv(table, tmp_path / "b.csv", CSV_NAMES)
    assert "model_free_nats" in path.read_text().splitlines()[0]
    pd.testing.assert_frame_equal(read_baselines_csv(path), table, check_exact=False, rtol=1e-3)


def test_shape_of_tells_steps_peaks_and_flat_curves_from_their_errors():
    se = np.full(5, 0.005)
    assert shape_of(np.array([0.21, 0.32, 0.42, 0.44, 0.44]), se) == "step"
    assert shape_of(np.array([0.10, 0.13, 0.15, 0.12, 0.10]), se) == "peak"
    assert shape_of(np.array([0.111, 0.121, 0.119, 0.108, 0.112]), se) == "none"
    assert shape_of(np.array([0.111, 0.121, 0.119, 0.108, 0.112]), se / 10) == "peak"


def _ensemble(tmp_path, embedding: str, le: int):
    """An ensemble of 3 runs at w = 0.1, 1, 2 (test RSMI 0.05, 0.10, 0.11 + run offsets)."""
    parts = []
    for i, w in enumerate((0.1, 1.0, 2.0)):
        rsmi = 0.05 * (1 + (w > 0.5)) + 0.01 * w + np.array([0.0, 0.004, -0.004])
        path = write_runs(tmp_path / f"{embedding}{i}.zarr", 0, rsmi, [False] * 3, lb=2)
        parts.append(RunsPart(path, f"w{w:g}", w, 2, None))
    config = {"optimise": {"le": le, "train": {"embedding": embedding}}}
    return aggregate(parts, tmp_path / f"{embedding}.zarr", 3, config)


def test_learned_curve_reads_the_validation_best_run_and_the_configuration(tmp_path):
    curve = learned_curve(_ensemble(tmp_path, "continuous", 12))
    assert curve["w"].tolist() == [0.1, 1.0, 2.0] and curve["runs"].tolist() == [3, 3, 3]
    # the factory's validation values equal the test values: the best is the largest
    assert curve["best"].to_numpy() == pytest.approx([0.055, 0.114, 0.124], abs=1e-6)
    assert curve["mean"].to_numpy() == pytest.approx([0.051, 0.11, 0.12], abs=1e-6)
    assert set(curve["H"]) == {"continuous"} and set(curve["le"]) == {12}
    bare = write_runs(tmp_path / "bare.zarr", 0, [0.1], [False], lb=2)
    no_config = aggregate([RunsPart(bare, "w1", 1.0, 2, None)], tmp_path / "bare_ens.zarr", 1)
    with pytest.raises(InputError, match="--params"):
        learned_curve(no_config)


def test_figure_draws_learned_curves_baselines_exact_stars_and_shapes(tmp_path):
    w = [0.1, 1.0, 2.0]
    baselines = pd.DataFrame(
        [
            [x, 32, 3000, env, le, h, mi, 0.003, exact]
            for x in w
            for env, le, scale in (("ring", 12, 1.0), ("thin", 3, 0.05))
            for h, mi, exact in (("binary", 0.11, 0.115), ("continuous", 0.2 + 0.1 * x, 0.195))
            for mi, exact in [(mi * scale, exact * scale)]
        ],
        columns=COLUMNS,
    )
    transitions = pd.DataFrame(
        [
            {
                "lb": 2,
                "method": "rsmi",
                "shape": "step",
                "estimate": 0.5,
                "ci_low": 0.2,
                "ci_high": 0.9,
            }
        ]
    )
    learned = [(learned_curve(_ensemble(tmp_path, "binary", 12)), transitions)]
    learned.append((learned_curve(_ensemble(tmp_path, "continuous", 12)), None))
    path = tmp_path / "fig12.png"
    fig = rsmi_baselines(learned, baselines, "chipping", path=path)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert sum("exact at w = 0" in t for t in labels) == 4
    assert "model-free, continuous H, ring (le 12): step" in labels
    assert "model-free, binary H, ring (le 12): no step or peak" in labels
    assert any(
        t.startswith("learned, binary H, le 12: step: steepest change at w = 0.5") for t in labels
    )
    assert any(t.startswith("learned, continuous H, le 12: step") for t in labels)
    assert path.stat().st_size > 10_000
