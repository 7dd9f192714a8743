"""Pristine dimer filters and the lattice symmetries acting on them."""

import numpy as np
import pytest

from rsmine.analysis.dimers.pristine import (
    PRISTINE,
    bond_positions,
    coordinates,
    overlap,
    pristine_basis,
    pristine_grid,
    pristine_vector,
    to_grid,
    to_vector,
)
from rsmine.analysis.dimers.symmetry import ACTIONS, act, act_vector, compose, induced_matrix
from rsmine.errors import InputError
from rsmine.estimator.regions import Partition

BASIS = ("C", "Psi_x", "Psi_y", "Ex", "Ey")


def close(actual, desired):
    """Equal up to rounding (absolute 1e-12)."""
    np.testing.assert_allclose(actual, desired, rtol=0, atol=1e-12)


@pytest.fixture
def random_vectors():
    return np.random.default_rng(5).normal(size=(7, 32))


def test_bond_layout_matches_the_partition_mask():
    part = Partition("dimer_grid", (32, 32), lv=8, lb=2, le=4)
    flat = np.flatnonzero(part.mask)
    pos = bond_positions(8)
    assert len(pos) == 32
    np.testing.assert_array_equal(np.ravel_multi_index(tuple(pos.T), (8, 8)), flat)


def test_pristine_filters_on_the_grid():
    c = pristine_grid("C", 8)
    assert c[0, 1] == 1 and c[1, 0] == -1 and c[0, 0] == 0 and c[1, 1] == 0
    ex = pristine_grid("Ex", 8)
    # horizontal bond of vertex (i, j) = (0, 1) sits at (0, 3), weight (-1)^(0+1)
    assert ex[0, 3] == -1 and ex[2, 3] == 1 and ex[1, 0] == 0
    psi_y = pristine_grid("Psi_y", 8)
    assert psi_y[1, 0] == 1 and psi_y[3, 0] == -1 and psi_y[0, 1] == 0
    for name in PRISTINE:
        np.testing.assert_array_equal(to_vector(pristine_grid(name, 8)), pristine_vector(name, 8))


@pytest.mark.parametrize("lv", [8, 16])
def test_orthogonality_and_projections_of_the_pristine_filters(lv):
    gram = np.stack([pristine_vector(n, lv) for n in BASIS])
    gram = gram @ gram.T
    close(gram, np.diag(np.diag(gram)))
    coords = coordinates(np.stack([pristine_vector(n, lv) for n in PRISTINE]), PRISTINE, lv)
    for k, name in enumerate(("P1", "P2")):
        # a pristine filter projected on (P1, P2) has exactly one nonzero coordinate, +-1
        c = coordinates(pristine_vector(name, lv), ["P1", "P2"], lv)
        close(c, np.eye(2)[k])
    close(np.diag(coords), 1.0)
    close(coordinates(pristine_vector("S1", lv), ["S1", "S2"], lv), [1, 0])
    assert overlap(pristine_vector("Psi_x", lv), ["P1", "P2"], lv) == pytest.approx(1.0)
    assert overlap(pristine_vector("Ex", lv), ["P1", "P2"], lv) == pytest.approx(0.0, abs=1e-12)
    assert overlap(pristine_vector("C", lv), ["Ex", "Ey"], lv) == pytest.approx(0.0, abs=1e-12)


def test_grid_round_trip_and_bad_shapes():
    vec = np.arange(32.0)
    grid = to_grid(vec)
    assert grid.shape == (8, 8) and grid[0, 0] == 0 and grid[1, 1] == 0
    np.testing.assert_array_equal(to_vector(grid), vec)
    with pytest.raises(InputError, match="lv²/2"):
        to_grid(np.zeros(30))
    with pytest.raises(InputError, match="even"):
        pristine_vector("C", 7)
    with pytest.raises(InputError, match="expected one of"):
        pristine_vector("Z", 8)


@pytest.mark.parametrize("lv", [8, 12])
def test_group_relations_on_the_grid(lv, random_vectors):
    rng = np.random.default_rng(1)
    f = rng.normal(size=(3, lv * lv // 2))
    m = lv // 2
    np.testing.assert_array_equal(compose(["C4"] * 4, f), f)
    np.testing.assert_array_equal(compose(["Tx"] * m, f), f)
    np.testing.assert_array_equal(compose(["Ty"] * m, f), f)
    np.testing.assert_array_equal(compose(["Tx", "Ty"], f), compose(["Ty", "Tx"], f))
    c4_inv = ["C4"] * 3
    # C4 Tx C4^-1 = Ty and C4 Ty C4^-1 = Tx^-1
    np.testing.assert_array_equal(compose(["C4", "Tx", *c4_inv], f), act_vector("Ty", f))
    np.testing.assert_array_equal(compose(["C4", "Ty", *c4_inv], f), compose(["Tx"] * (m - 1), f))
    # actions are permutations, not the identity
    for action in ACTIONS:
        g = act_vector(action, f)
        np.testing.assert_array_equal(np.sort(g, axis=-1), np.sort(f, axis=-1))
        assert not np.array_equal(g, f)


def test_c4_rotates_a_horizontal_bond_into_a_vertical_one():
    grid = np.zeros((8, 8))
    grid[0, 1] = 1.0  # horizontal bond of vertex (0, 0)
    out = act("C4", grid)
    assert out[1, 0] == 1.0 and out.sum() == 1.0  # vertical bond of vertex (0, 0)
    grid = np.zeros((8, 8))
    grid[1, 0] = 1.0  # vertical bond of vertex (0, 0) -> horizontal bond of vertex (0, -1)
    assert act("C4", grid)[0, 7] == 1.0


@pytest.mark.parametrize("lv", [8, 16])
def test_induced_matrices_satisfy_the_group_relations(lv):
    mats = {a: induced_matrix(a, BASIS, lv) for a in ACTIONS}
    eye = np.eye(len(BASIS))
    c4, tx, ty = mats["C4"], mats["Tx"], mats["Ty"]
    close(np.linalg.matrix_power(c4, 4), eye)
    assert not np.allclose(np.linalg.matrix_power(c4, 2), eye)
    close(tx @ tx, eye)
    close(ty @ ty, eye)
    close(tx @ ty, ty @ tx)
    close(c4 @ tx @ c4.T, ty)
    close(c4 @ ty @ c4.T, tx)
    for m in mats.values():  # signed permutations
        close(np.abs(m).sum(axis=0), 1.0)
        assert set(np.round(np.unique(m), 12)) <= {-1.0, 0.0, 1.0}


@pytest.mark.parametrize("action", ACTIONS)
def test_matrix_action_equals_grid_action_then_projection(action, random_vectors):
    lv = 8
    matrix = induced_matrix(action, BASIS, lv)
    # filters inside the span: coordinates transform with the matrix
    coords = random_vectors[:, : len(BASIS)]
    unit = pristine_basis(BASIS, lv)
    f = coords @ unit
    moved = to_vector(act(action, to_grid(f)))
    norm = np.linalg.norm(moved, axis=-1)[:, None]
    close(coordinates(moved, BASIS, lv) * norm, coords @ matrix.T)
    # arbitrary filters: projection commutes with the action (the span is invariant)
    g = random_vectors
    moved = act_vector(action, g)
    proj = (g @ unit.T) @ matrix.T
    close(moved @ unit.T, proj)


def test_pristine_filters_transform_as_the_paper_states():
    lv = 8
    plane = ["P1", "P2"]
    # Z4 cycle P1 -> P2 -> -P1 -> -P2 under C4 (Fig. 9a, red arrows)
    close(induced_matrix("C4", plane, lv), [[0, -1], [1, 0]])
    # Tx swaps P1 and P2, Ty maps P1 -> -P2: Z2 x Z2 on +-P1,2
    close(induced_matrix("Tx", plane, lv), [[0, 1], [1, 0]])
    close(induced_matrix("Ty", plane, lv), [[0, -1], [-1, 0]])
    # Tx flips Psi_x, keeps Psi_y; X = P1 - P2 = -Psi_x, Y = P1 + P2 = Psi_y (Fig. 9c)
    close(induced_matrix("Tx", ["Psi_x", "Psi_y"], lv), np.diag([-1, 1]))
    close(induced_matrix("Ty", ["Psi_x", "Psi_y"], lv), np.diag([1, -1]))
    # C4 maps Ex -> Ey -> -Ex; translations flip both
    close(induced_matrix("C4", ["Ex", "Ey"], lv), [[0, -1], [1, 0]])
    for t in ("Tx", "Ty"):
        close(induced_matrix(t, ["Ex", "Ey"], lv), -np.eye(2))
    # the columnar filter changes sign under C4 and is translation invariant
    assert induced_matrix("C4", ["C"], lv)[0, 0] == pytest.approx(-1.0)
    for t in ("Tx", "Ty"):
        assert induced_matrix(t, ["C"], lv)[0, 0] == pytest.approx(1.0)


def test_a_span_not_closed_under_the_action_is_refused():
    with pytest.raises(InputError, match="not closed under Tx"):
        induced_matrix("Tx", ["Psi_x"], 6)  # m = 3: (-1)^j does not wrap
    with pytest.raises(InputError, match="not closed under C4"):
        induced_matrix("C4", ["Ex"], 8)
    with pytest.raises(InputError, match="expected one of"):
        act_vector("T2", np.zeros(32))
