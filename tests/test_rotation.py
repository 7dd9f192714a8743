"""RSMI against the rotation angle of a filter pair: the rotation, and flatness that can fail."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rsmine.errors import InputError
from rsmine.estimator.train import TrainConfig
from rsmine.experiments.rotation import (
    electric_plane,
    flatness,
    rotate_in_plane,
    rotate_pair,
    rsmi_vs_angle,
)


def test_rotation_of_a_pair():
    pair = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])
    quarter = rotate_pair(pair, math.pi / 2)
    assert np.allclose(quarter, np.stack([-pair[1], pair[0]]))
    twice = rotate_pair(rotate_pair(pair, 0.3), 0.4)
    assert np.allclose(twice, rotate_pair(pair, 0.7))
    with pytest.raises(InputError, match="pair"):
        rotate_pair(pair[:1], 0.1)


def _gaussian(scales: tuple[float, float], n: int = 2400, seed: int = 0):
    """v = x (N, 1, 2) with independent Gaussian axes of the given scales; e = x + small noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2)) * np.array(scales)
    e = x + 0.05 * rng.normal(size=(n, 2)) * np.array(scales)
    return x[:, None, :].astype(np.float32), e[:, None, :].astype(np.float32)


CONFIG = TrainConfig(epochs=8, patience=3, batch=100, lr=1e-2, embedding="binary", centre=False)
ANGLES = np.linspace(0, math.pi / 2, 5)


def test_isotropic_data_give_a_flat_curve(one_thread):
    """The quadrant of a rotation-invariant Gaussian carries 2 bits at every angle."""
    v, e = _gaussian((1.0, 1.0))
    table = rsmi_vs_angle(v, e, 100 * np.eye(2), ANGLES, repeats=3, seed=4, config=CONFIG)
    flat = flatness(table)
    assert flat["p_value"] > 0.01
    assert 1.1 < flat["mean"] < 2 * math.log(2) + 2 * flat["sem"]  # a lower bound on 2 bits


def test_anisotropic_data_are_not_flat(one_thread):
    """Along the axes the two signs are independent (2 bits); on the diagonals of a very
    anisotropic Gaussian they nearly coincide (about 1 bit)."""
    v, e = _gaussian((3.0, 0.1))
    table = rsmi_vs_angle(v, e, 100 * np.eye(2), ANGLES, repeats=3, seed=4, config=CONFIG)
    flat = flatness(table)
    assert flat["p_value"] < 1e-5
    assert flat["range"] > 0.25
    by = table.groupby("angle")["rsmi"].mean()
    assert by.iloc[0] > by.iloc[2] + 0.2  # θ = 0 beats θ = π/4


def test_electric_plane_rotation():
    lv = 8
    basis = electric_plane(lv)
    assert np.allclose(basis @ basis.T, np.eye(2))
    grid = basis.reshape(2, lv, lv)
    assert (grid[0, 0::2, 1::2] != 0).all() and (grid[0][grid[1] != 0] == 0).all()
    assert grid[0, 0, 1] == -grid[0, 0, 3] == -grid[0, 2, 1]  # (−1)^(i+j) on h-bonds
    ex, ey = basis
    other = np.zeros(lv * lv)
    other[1] = 1.0  # a bond weight with components along Ex and off the plane
    turned = rotate_in_plane(np.stack([ex, other]), basis, math.pi / 2)
    assert np.allclose(turned[0], ey)
    off = other - (other @ basis.T) @ basis
    assert np.allclose(turned[1] - (turned[1] @ basis.T) @ basis, off)  # off-plane part kept
    assert np.allclose(turned[1] @ basis.T, [0.0, other @ ex])
    with pytest.raises(InputError, match="even"):
        electric_plane(5)
