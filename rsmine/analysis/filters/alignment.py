"""Learned filters across an ensemble: sign and component alignment before averaging.

A run's coarse-grained variable H is unchanged (up to relabelling) when one of its
binary components flips sign or when its components are reordered, so the filters
Λ of independent runs agree only up to a signed permutation of their components.
:func:`align_filters` picks, per run, the signed permutation that best matches a
reference, and iterates with the reference set to the aligned mean:

1. reference = the filters of the first run (each component scaled to unit norm);
2. for every run, O[i, j] = cosine overlap of reference component i and the run's
   component j; the permutation π maximising Σ_i |O[i, π(i)]| is an assignment
   problem (Hungarian algorithm), and the best sign of each matched pair is
   sign(O[i, π(i)]) — together the exact maximiser of Σ_i s_i·O[i, π(i)] over all
   signed permutations;
3. reference = the mean of the aligned, unit-normed filters; repeat 2-3 until no
   run's signed permutation changes (or ``max_iter``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from rsmine.errors import InputError


@dataclass(frozen=True)
class AlignedFilters:
    """Filters of an ensemble brought to a common component order and sign.

    aligned: (run, component, ...V) the input filters, permuted and sign-flipped.
    mean: (component, ...V) the mean of ``aligned`` over runs (input units).
    order: (run, component) int; aligned[r, i] = signs[r, i] * filters[r, order[r, i]].
    signs: (run, component) ±1.
    overlap: (run,) mean over components of the cosine overlap of the aligned run with
        the final reference, in [-1, 1] (1: identical up to scale).
    iterations: reference updates until the assignment stopped changing.
    """

    aligned: np.ndarray
    mean: np.ndarray
    order: np.ndarray
    signs: np.ndarray
    overlap: np.ndarray
    iterations: int


def _unit(flat: np.ndarray) -> np.ndarray:
    """(..., D) rows scaled to unit Euclidean norm (zero rows stay zero)."""
    norm = np.linalg.norm(flat, axis=-1, keepdims=True)
    return np.divide(flat, norm, out=np.zeros_like(flat), where=norm > 0)


def _best_signed_permutation(
    reference: np.ndarray, run: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The signed permutation of ``run`` (C, D) closest to ``reference`` (C, D), unit rows.

    Returns (order (C,), signs (C,)): run[order[i]] * signs[i] matches reference[i].
    """
    overlaps = reference @ run.T
    rows, order = linear_sum_assignment(-np.abs(overlaps))
    return order, np.where(overlaps[rows, order] < 0, -1.0, 1.0)


def align_filters(filters: np.ndarray, max_iter: int = 50) -> AlignedFilters:
    """Align the components of every run's filters to the ensemble's, then average.

    filters: (run, component, ...V) float; any V shape (masked weights simply stay 0).
    Deterministic: the first run seeds the reference (module docstring for the method).
    """
    filters = np.asarray(filters, dtype=np.float64)
    if filters.ndim < 3 or filters.shape[0] < 1 or filters.shape[1] < 1:
        raise InputError(
            f"filters of shape {filters.shape}: expected (run, component, ...V) with at "
            "least one run and one component"
        )
    runs, components = filters.shape[:2]
    unit = _unit(filters.reshape(runs, components, -1))
    reference = unit[0]
    order = np.tile(np.arange(components), (runs, 1))
    signs = np.ones((runs, components))
    iterations = 0
    for iterations in range(1, max_iter + 1):
        new_order, new_signs = np.empty_like(order), np.empty_like(signs)
        for r in range(runs):
            new_order[r], new_signs[r] = _best_signed_permutation(reference, unit[r])
        changed = iterations == 1 or not (
            np.array_equal(new_order, order) and np.array_equal(new_signs, signs)
        )
        order, signs = new_order, new_signs
        aligned_unit = signs[..., None] * np.take_along_axis(unit, order[..., None], axis=1)
        reference = _unit(aligned_unit.mean(axis=0))
        if not changed:
            break
    aligned = signs.reshape(runs, components, *([1] * (filters.ndim - 2))) * np.take_along_axis(
        filters, order.reshape(runs, components, *([1] * (filters.ndim - 2))), axis=1
    )
    final = np.einsum("rcd,cd->rc", aligned_unit, reference)
    return AlignedFilters(
        aligned=aligned,
        mean=aligned.mean(axis=0),
        order=order.astype(np.int64),
        signs=signs.astype(np.int8),
        overlap=final.mean(axis=1),
        iterations=iterations,
    )
