"""Directed-loop scattering tables: normalised, detailed-balanced, analytic minimal bounce."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from rsmine.models.dimers import tables

TEMPERATURES = [0.1, 0.2, 0.4, 0.65, 1.0, 2.0, 15.0, float("inf")]


def _bounce_deficit(t: tables.ScatteringTables) -> float:
    """Largest |bounce - analytic minimal bounce| over environments and channels."""
    floor = np.stack([tables.minimal_bounce_floor(w) for w in t.weights])
    return float(np.abs(np.einsum("eii->ei", t.prob) - floor).max())


@pytest.mark.parametrize("kind", tables.KINDS)
@pytest.mark.parametrize("T", TEMPERATURES)
def test_tables_normalised_and_detailed_balanced(T, kind):
    t = tables.scattering_tables(T, kind)
    assert t.prob.shape == (tables.N_ENVIRONMENTS, 4, 4)
    assert (t.prob >= 0).all()
    assert np.allclose(t.prob.sum(axis=2), 1.0, rtol=0, atol=1e-14)
    assert (t.cum[:, :, -1] == 1.0).all()
    flow = t.weights[:, :, None] * t.prob  # a[e, in, out] = w_in p(in -> out)
    scale = np.minimum(t.weights[:, :, None], t.weights[:, None, :])
    assert (np.abs(flow - flow.transpose(0, 2, 1)) <= 1e-12 * scale).all()


@pytest.mark.parametrize("T", TEMPERATURES)
def test_minimal_bounce_reaches_the_analytic_floor(T):
    assert _bounce_deficit(tables.scattering_tables(T)) < 1e-9


def test_heat_bath_bounces_more_than_the_floor():
    # the floor test has power: heat-bath tables bounce far above it
    assert _bounce_deficit(tables.scattering_tables(0.65, "heat-bath")) > 0.1


def test_low_temperature_forces_bounces_on_the_heaviest_channel():
    t = tables.scattering_tables(0.2)
    env = int(np.flatnonzero((tables.environments() == (2, 0, 0, 0)).all(axis=1))[0])
    w = np.exp(-2 / 0.2)
    assert t.prob[env, 0, 0] == pytest.approx(1 - 3 * w, rel=1e-12)
    assert np.allclose(t.prob[env, 1:, 0], 1.0)


def test_infinite_temperature_turns_uniformly():
    t = tables.scattering_tables(float("inf"))
    expected = (1 - np.eye(4)) / 3
    assert np.allclose(t.prob, expected[None], atol=1e-12)


def test_tables_are_symmetric_under_channel_permutations():
    t = tables.scattering_tables(0.65)
    index = {tuple(row): e for e, row in enumerate(tables.environments())}
    for counts, e in index.items():
        for perm in itertools.permutations(range(4)):
            other = index[tuple(counts[p] for p in perm)]
            assert np.allclose(t.prob[other], t.prob[e][np.ix_(perm, perm)], rtol=0, atol=1e-12)
