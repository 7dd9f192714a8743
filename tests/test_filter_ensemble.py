"""The dimer filter ensemble: projections, peak counts, sign-free PCA, the U(1) uniformity test."""

from __future__ import annotations

import numpy as np
import pytest
from factories import LV, W, write_planted_ensemble
from scipy.stats import special_ortho_group

from rsmine.analysis.circular import harmonic_rayleigh
from rsmine.analysis.dimers.pca import ensemble_pca, fit_signless_pca, principal_angles
from rsmine.analysis.dimers.pristine import pristine_basis, pristine_vector
from rsmine.analysis.dimers.projections import (
    FilterEnsemble,
    count_peaks,
    overlap_table,
    peak_table,
    project,
    read_filter_ensemble,
)
from rsmine.analysis.dimers.symmetry import act_vector
from rsmine.analysis.dimers.u1 import run_angles, u1_table
from rsmine.errors import InputError
from rsmine.figures import dimers


@pytest.fixture
def ensemble_store(tmp_path):
    """A planted dimer ensemble store (lb 2, plus decoy runs at lb 4 and one failed run)."""
    return write_planted_ensemble(tmp_path / "ens.zarr")


def test_read_filter_ensemble_takes_one_buffer_width_and_skips_failed_runs(ensemble_store):
    ens = read_filter_ensemble(ensemble_store)
    assert ens.lb == 2 and ens.lv == LV
    assert ens.vectors.shape == (119, 2, W)
    assert list(ens.temperatures) == [0.3, 15.0]
    assert read_filter_ensemble(ensemble_store, lb=4).vectors.shape == (10, 2, W)
    with pytest.raises(InputError, match="no successful runs at lb 6"):
        read_filter_ensemble(ensemble_store, lb=6)


def test_read_filter_ensemble_keeps_the_main_component_count_of_a_sweep(tmp_path):
    swept = write_planted_ensemble(tmp_path / "sweep.zarr", sweep=7)
    ens = read_filter_ensemble(swept)  # the count most runs have: the pairs
    assert ens.vectors.shape == (119, 2, W) and np.isfinite(ens.vectors).all()
    triples = read_filter_ensemble(swept, components=3)
    assert triples.vectors.shape == (7, 3, W) and list(triples.temperatures) == [0.3]
    with pytest.raises(InputError, match="with 1 components"):
        read_filter_ensemble(swept, components=1)


def test_overlaps_and_peaks_of_a_planted_ensemble(ensemble_store):
    ens = read_filter_ensemble(ensemble_store)
    table = overlap_table(ens).set_index("T")
    # noise of relative size 0.1 leaves about 1 - 0.01 of the norm in the planted plane
    assert table.loc[0.3, "P_mean"] > 0.97 and table.loc[0.3, "E_mean"] < 0.01
    assert table.loc[15.0, "E_mean"] > 0.97 and table.loc[15.0, "P_mean"] < 0.01
    assert table.loc[0.3, "C_mean"] < 0.01
    assert table.loc[0.3, "runs"] == 59 and table.loc[0.3, "P_sem"] < 0.005
    peaks = peak_table(ens).set_index(["T", "plane"])["peaks"]
    assert peaks[(0.3, "plaquette")] == 4  # ±P1, ±P2
    assert peaks[(15.0, "plaquette")] == 1  # everything at the origin


def test_count_peaks_finds_planted_peaks_and_not_noise():
    rng = np.random.default_rng(0)
    centres = 0.7 * np.array([[np.cos(a), np.sin(a)] for a in np.arange(8) * np.pi / 4])
    eight = centres[rng.integers(0, 8, 800)] + 0.05 * rng.normal(size=(800, 2))
    assert len(count_peaks(eight)) == 8
    four = centres[::2][rng.integers(0, 4, 400)] + 0.05 * rng.normal(size=(400, 2))
    found = count_peaks(four)
    assert len(found) == 4
    assert np.abs(np.sort(np.abs(found).max(axis=1)) - 0.7).max() < 0.1
    assert len(count_peaks(0.05 * rng.normal(size=(300, 2)))) == 1


def test_u1_statistic_is_calibrated_on_uniform_angles():
    rng = np.random.default_rng(1)
    p = np.array([harmonic_rayleigh(rng.uniform(-np.pi, np.pi, 60)).p_value for _ in range(2000)])
    rate = (p < 0.05).mean()
    # binomial error of the rejection rate over 2000 replicates: 0.005
    assert abs(rate - 0.05) < 4 * np.sqrt(0.05 * 0.95 / 2000)
    assert abs(np.median(p) - 0.5) < 0.05


def test_u1_statistic_rejects_four_planted_peaks():
    """Power: four von Mises peaks (κ = 10, width 1/√κ ≈ 18°) at θ0 + kπ/2, n = 60 angles.

    Measured power 0.996 (500 replicates); 0.90 at κ = 8 (20°), 0.54 at κ = 6 (23°).
    """
    rng = np.random.default_rng(2)
    rejected = 0
    for _ in range(500):
        theta = rng.uniform(0, 2 * np.pi) + np.pi / 2 * rng.integers(0, 4, 60)
        rejected += harmonic_rayleigh(theta + rng.vonmises(0, 10, 60)).p_value < 0.05
    assert rejected / 500 > 0.97
    eight = np.pi / 4 * rng.integers(0, 8, 60) + rng.vonmises(0, 40, 60)  # 9° wide
    assert harmonic_rayleigh(eight).p_value < 1e-3  # invisible to 4θ, seen by 8θ


def test_u1_table_of_a_planted_ensemble(ensemble_store):
    ens = read_filter_ensemble(ensemble_store)
    table = u1_table(ens).set_index("T")
    assert table.loc[0.3, "n"] == 0 and np.isnan(table.loc[0.3, "p"])  # no E filters
    assert table.loc[15.0, "n"] == 60 and table.loc[15.0, "p"] > 1e-3
    # the same runs turned into four peaks: rotated only by multiples of pi/2
    vectors = ens.at(15.0)
    s = pristine_basis(["S1", "S2"], LV)
    quarter = np.random.default_rng(4).integers(0, 4, len(vectors))
    c = np.cos(quarter * np.pi / 2 + 0.3)[:, None]
    n = np.sin(quarter * np.pi / 2 + 0.3)[:, None]
    vectors = np.stack([c * s[0] + n * s[1], -n * s[0] + c * s[1]], axis=1) + 0.02
    peaked = FilterEnsemble(vectors, np.full(len(vectors), 15.0), LV, 2)
    assert u1_table(peaked)["p"].iloc[0] < 1e-6
    # C4, Tx, Ty turn the angles by multiples of pi/2: 4θ, hence the statistic, is invariant
    theta = run_angles(vectors, LV)
    for action in ("C4", "Tx", "Ty"):
        turned = run_angles(act_vector(action, vectors), LV)
        np.testing.assert_allclose(np.cos(4 * (turned - theta)), 1.0, atol=1e-9)
    assert np.cos(4 * (theta - 0.3)).min() > 0.99


def test_signless_pca_recovers_two_planted_directions():
    rng = np.random.default_rng(7)
    q = special_ortho_group.rvs(W, random_state=8)[:2]  # two orthonormal directions
    coeffs = rng.normal(size=(400, 2)) * [1.0, 0.7]
    filters = coeffs @ q + 0.1 * rng.normal(size=(400, W)) / np.sqrt(W) * 3
    filters *= rng.choice([-1.0, 1.0], size=(400, 1))
    pca = fit_signless_pca(filters)
    assert principal_angles(pca.components_[:2], q).max() < 5.0
    assert abs(pca.mean_).max() < 1e-12  # the ±copies centre the fit exactly
    # sign-free: flipping any filter changes nothing
    flipped = fit_signless_pca(filters * rng.choice([-1.0, 1.0], size=(400, 1)))
    np.testing.assert_allclose(flipped.explained_variance_ratio_, pca.explained_variance_ratio_)
    # and the test has power: a wrong pair of directions is far away
    assert principal_angles(pca.components_[2:4], q).min() > 45.0


def test_ensemble_pca_finds_the_pristine_planes(ensemble_store):
    ens = read_filter_ensemble(ensemble_store)
    result = ensemble_pca(ens, (10.0, 20.0))
    assert result.angles["E"].max() < 5.0 and result.angles["P"].min() > 80.0
    assert result.explained[:2].sum() > 0.9
    low = ensemble_pca(ens, (0.0, 1.0))
    assert low.angles["P"].max() < 5.0
    with pytest.raises(InputError, match="no temperature"):
        ensemble_pca(ens, (1.0, 2.0))


def test_figures_are_drawn(ensemble_store, tmp_path):
    ens = read_filter_ensemble(ensemble_store)
    paths = [tmp_path / f"{name}.png" for name in ("proj", "overlap", "pca", "u1")]
    dimers.projection_histograms(ens, [0.3, 15.0], path=paths[0])
    dimers.pristine_overlap(overlap_table(ens), 0.65, path=paths[1])
    dimers.ensemble_pca(ens, ensemble_pca(ens, (0.0, 20.0)), path=paths[2])
    dimers.u1_uniformity(u1_table(ens), 0.65, path=paths[3])
    assert all(p.stat().st_size > 10_000 for p in paths)


@pytest.mark.parametrize(
    ("name", "action", "plane", "expected"),
    [
        ("P1", None, "plaquette", (1, 0)),
        ("P2", None, "plaquette", (0, 1)),
        ("P1", "C4", "plaquette", (0, 1)),
        ("P2", "C4", "plaquette", (-1, 0)),
        ("P1", "Tx", "plaquette", (0, 1)),
        ("P1", "Ty", "plaquette", (0, -1)),
        ("S1", None, "staggered", (1, 0)),
        ("S1", "C4", "staggered", (0, -1)),
        ("S2", "C4", "staggered", (1, 0)),
        ("S2", "Tx", "staggered", (0, -1)),
        ("C", None, "plaquette", (0, 0)),
        ("Ex", None, "plaquette", (0, 0)),
    ],
)
def test_projections_of_moved_pristine_filters(name, action, plane, expected):
    vector = pristine_vector(name, LV)
    if action is not None:
        vector = act_vector(action, vector)
    np.testing.assert_allclose(project(vector, plane, LV), expected, rtol=0, atol=1e-12)
