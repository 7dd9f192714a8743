"""Sign and component alignment of ensembles of filters (rsmine.analysis.filters.alignment)."""

from __future__ import annotations

import numpy as np
import pytest

from rsmine.analysis.filters.alignment import align_filters
from rsmine.errors import InputError


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel(), b.ravel()
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def scrambled(known: np.ndarray, runs: int, noise: float, seed: int):
    """Copies of ``known`` (C, ...V): each run's components permuted, sign-flipped, rescaled
    and with Gaussian noise of ``noise`` times the filters' rms. Returns (copies, perms, signs)."""
    rng = np.random.default_rng(seed)
    components = known.shape[0]
    perms = np.stack([rng.permutation(components) for _ in range(runs)])
    signs = rng.choice([-1.0, 1.0], size=(runs, components))
    scale = rng.uniform(0.5, 2.0, size=(runs, components))
    rms = np.sqrt((known**2).mean())
    copies = np.empty((runs, *known.shape))
    for r in range(runs):
        # run component perms[r, i] holds known component i
        copies[r, perms[r]] = (signs[r] * scale[r]).reshape(-1, *[1] * (known.ndim - 1)) * known
    copies += noise * rms * rng.normal(size=copies.shape)
    return copies, perms, signs


@pytest.mark.parametrize("components", [1, 2, 3])
def test_alignment_recovers_known_filters_from_permuted_sign_flipped_noisy_copies(components):
    rng = np.random.default_rng(100 + components)
    known = rng.normal(size=(components, 4, 4))
    copies, perms, signs = scrambled(known, runs=40, noise=0.8, seed=components)
    result = align_filters(copies)
    assert result.aligned.shape == copies.shape and result.mean.shape == known.shape
    # run r's component j holds known component argsort(perms[r])[j]; after alignment
    # every run must hold the same known component, with the same sign, at index i
    held = [np.argsort(perms[r])[result.order[r]] for r in range(len(copies))]
    sign = [signs[r][held[r]] * result.signs[r] for r in range(len(copies))]
    for r in range(len(copies)):
        assert np.array_equal(held[r], held[0]) and np.array_equal(sign[r], sign[0])
    for i in range(components):
        assert cosine(result.mean[i], sign[0][i] * known[held[0][i]]) > 0.97
    # with noise 0.8 a single run is far from the truth: the mean is what recovers it
    single = [abs(cosine(result.aligned[r, 0], known[held[0][0]])) for r in range(len(copies))]
    assert np.median(single) < 0.9
    assert np.median(result.overlap) > 0.6 and result.overlap.min() > 0 and result.iterations <= 5


def test_naive_mean_of_sign_flipped_copies_cancels_where_aligned_mean_does_not():
    known = np.random.default_rng(7).normal(size=(1, 8))
    copies, _, _ = scrambled(known, runs=60, noise=0.3, seed=8)
    naive = copies.mean(axis=0)
    aligned = align_filters(copies).mean
    # the test has power: without alignment the signs cancel most of the mean
    assert np.linalg.norm(naive) < 0.4 * np.linalg.norm(aligned)
    assert abs(cosine(aligned, known)) > 0.99


def test_alignment_is_deterministic_and_refuses_a_filter_without_runs_axis():
    copies, _, _ = scrambled(np.eye(3).reshape(3, 3, 1), runs=10, noise=0.2, seed=3)
    first, second = align_filters(copies), align_filters(copies)
    assert np.array_equal(first.aligned, second.aligned)
    with pytest.raises(InputError, match=r"\(run, component, \.\.\.V\)"):
        align_filters(np.zeros((4, 4)))
