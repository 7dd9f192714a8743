"""RSMI against the rotation angle of a pair of filters (paper Fig. 9g).

A trained two-component filter (Λ₁, Λ₂) is rotated by θ in one of two planes:

- ``own``: the plane of its own two components, R(θ)(Λ₁, Λ₂) = (cos θ Λ₁ − sin θ Λ₂,
  sin θ Λ₁ + cos θ Λ₂) — the paper's R(ϑ)(Λ_S1, Λ_S2) when the pair spans the electric
  fields, but degenerate when the two components are nearly (anti)parallel;
- ``electric``: the (Ex, Ey) plane of the dimer grid (DESIGN.md's pristine filters),
  the same rotation applied to each component's (Ex, Ey) coordinates, the rest of the
  filter untouched — the paper's rotation of the electric fields; a filter without
  electric-field content does not change.

I_Λ(H:E) of each rotated filter is measured in the fixed-Λ mode of the trainer (a fresh
critic trained with Λ frozen; the held-out estimate of the test part). Each angle is
evaluated ``repeats`` times (each with its own train/val/test split of the samples, critic
initialisation and noise), so the spread over repeats is the evaluation's own error,
sampling of the test part included.

Flatness: ``range_over_error`` = (max − min over θ of the mean RSMI) / (pooled standard
error of one angle's mean), and the one-way ANOVA F test of equal means over θ with its
p-value. A flat curve has a range of a few standard errors (about 3 for 9 angles) and p
not small. Measured (benchmarks/RESULTS.md): in the electric plane flat at T = 15; in the
own plane not flat in the columnar phase, whose optimal filters are the plaquette pair
(the electric plane leaves those filters nearly unchanged, trivially flat).
The figure is :func:`rsmine.figures.rotation.rsmi_vs_angle`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from rsmine import stores
from rsmine.analysis.dimers.pristine import pristine_basis, to_grid
from rsmine.coarse_grain import read_filter
from rsmine.errors import InputError
from rsmine.estimator.regions import Partition
from rsmine.estimator.train import TrainConfig, train_batch


def rotate_pair(filters: np.ndarray, theta: float) -> np.ndarray:
    """R(θ) applied to the component axis of a pair: filters (2, ...) -> (2, ...)."""
    filters = np.asarray(filters)
    if filters.shape[0] != 2:
        raise InputError(f"a rotation needs a pair of filter components, got {filters.shape[0]}")
    c, s = math.cos(theta), math.sin(theta)
    return np.stack([c * filters[0] - s * filters[1], s * filters[0] + c * filters[1]])


ROTATION_PLANES = ("own", "electric")
"""The planes a filter pair is rotated in (module docstring)."""


def electric_plane(lv: int) -> np.ndarray:
    """Orthonormal (Ex, Ey), (2, lv·lv), on a dimer-grid visible block of even side lv.

    The pristine Ex, Ey of :mod:`rsmine.analysis.dimers.pristine` as flattened (lv, lv) grids,
    each of unit norm (orthogonal: Ex lives on horizontal bonds, Ey on vertical ones).
    """
    return to_grid(pristine_basis(("Ex", "Ey"), lv)).reshape(2, lv * lv)


def rotate_in_plane(filters: np.ndarray, basis: np.ndarray, theta: float) -> np.ndarray:
    """Rotate each filter's coordinates in the plane of an orthonormal ``basis`` (2, n) by θ.

    filters (C, n) -> (C, n); the component orthogonal to the plane is unchanged.
    """
    filters = np.asarray(filters, dtype=np.float64)
    coords = filters @ basis.T
    rotated = rotate_pair(coords.T, theta).T
    return filters + (rotated - coords) @ basis


def rsmi_vs_angle(
    v: np.ndarray,
    e: np.ndarray,
    filters: np.ndarray,
    angles: Sequence[float],
    *,
    repeats: int,
    seed: int,
    config: TrainConfig,
    mask: np.ndarray | None = None,
    plane: np.ndarray | None = None,
) -> pd.DataFrame:
    """I_Λ(H:E) of the rotated pair at every angle, ``repeats`` fixed-Λ evaluations each.

    v: (N, O, n_visible), e: (N, O, n_env) as for :func:`train_batch`; filters:
    (2, n_visible); angles in radians; plane: None to rotate the pair in its own plane, or
    an orthonormal basis (2, n_visible) to rotate every component in that plane. Repeat k
    draws its own train/val/test split, critics and noise from SeedSequence(seed,
    spawn_key=(k,)), all angles as one replica batch, so the spread over repeats includes
    the test part's sampling error. Returns a DataFrame:
    angle (rad), repeat, rsmi (test part, nats), rsmi_val (nats), failed.
    """
    if repeats < 2:
        raise InputError(f"repeats {repeats}: at least 2 are needed for an error bar")
    turn = rotate_pair if plane is None else lambda f, a: rotate_in_plane(f, plane, a)
    rotated = np.stack([turn(filters, a) for a in angles]).astype(np.float32)
    frames = []
    for repeat in range(repeats):
        own = int(np.random.SeedSequence(seed, spawn_key=(repeat,)).generate_state(1)[0])
        result = train_batch(
            v,
            e,
            components=2,
            runs=len(rotated),
            seed=own,
            config=config,
            mask=mask,
            filters=rotated,
        )
        frames.append(
            pd.DataFrame(
                {
                    "angle": np.asarray(angles, dtype=np.float64),
                    "repeat": repeat,
                    "rsmi": result.rsmi.astype(np.float64),
                    "rsmi_val": result.rsmi_val.astype(np.float64),
                    "failed": result.failed,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def flatness(table: pd.DataFrame) -> dict[str, float]:
    """Flatness of a :func:`rsmi_vs_angle` table (finished evaluations only).

    Returns mean (nats, over all angles), range (max − min of the per-angle means, nats),
    sem (pooled standard error of one angle's mean, nats), range_over_error, f_stat and
    p_value (one-way ANOVA of equal means over the angles).
    """
    ok = table[~table["failed"].astype(bool)]
    groups = [g["rsmi"].to_numpy() for _, g in ok.groupby("angle") if len(g) >= 2]
    if len(groups) < 2:
        raise InputError("flatness: needs at least two angles with two finished evaluations")
    means = np.array([g.mean() for g in groups])
    pooled = np.sqrt(np.mean([g.var(ddof=1) for g in groups]))
    sem = pooled / math.sqrt(np.mean([len(g) for g in groups]))
    f_stat, p_value = stats.f_oneway(*groups)
    spread = float(means.max() - means.min())
    return {
        "mean": float(means.mean()),
        "range": spread,
        "sem": float(sem),
        "range_over_error": spread / sem if sem > 0 else math.inf,
        "f_stat": float(f_stat),
        "p_value": float(p_value),
    }


def _train_config(params: Mapping[str, Any], overrides: Mapping[str, Any]) -> TrainConfig:
    """The runs store's training options (its params groups) with ``overrides`` applied."""
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    found: dict[str, Any] = {}
    for group in ("coarse_grainer", "critic", "optimiser", "split"):
        found.update(params.get(group) or {})
    options = {k: tuple(v) if isinstance(v, list) else v for k, v in found.items() if k in names}
    return TrainConfig(**{**options, **overrides})


def rotation_scan(
    filters_store: str | Path,
    samples: str | Path,
    *,
    run: int | str = "best",
    angles: int = 9,
    repeats: int = 3,
    seed: int = 0,
    plane: str = "own",
    train: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """:func:`rsmi_vs_angle` for run ``run`` of a runs store on ``angles`` angles in [0, π/2].

    plane: ``own`` or ``electric`` (module docstring; electric needs a dimer grid). The
    window (lv, lb, le) and training options are the runs store's own (one V origin);
    ``train`` overrides TrainConfig fields (e.g. epochs). Returns the table of
    :func:`rsmi_vs_angle`.
    """
    if plane not in ROTATION_PLANES:
        raise InputError(f"plane {plane!r}: expected one of {ROTATION_PLANES}")
    learned = read_filter(filters_store, run)
    if plane == "electric" and learned.lattice != "dimer_grid":
        raise InputError(f"{filters_store}: the electric plane needs filters on a dimer grid")
    if learned.components != 2 or learned.embedding != "binary":
        raise InputError(
            f"{filters_store}: rotation needs two binary components, found "
            f"{learned.components} {learned.embedding}"
        )
    region = learned.params.get("region") or {}
    sample_set = stores.read_samples(samples)
    partition = Partition(
        sample_set.lattice,
        sample_set.shape,
        region["lv"],
        region["lb"],
        region["le"],
        where=str(samples),
    )
    v, e = partition.split(sample_set.configs)
    config = _train_config(learned.params, dict(train or {}))
    grid = np.linspace(0.0, math.pi / 2, angles)
    flat = learned.filters.reshape(2, -1)
    basis = electric_plane(region["lv"]) if plane == "electric" else None
    return rsmi_vs_angle(
        v,
        e,
        flat,
        grid,
        repeats=repeats,
        seed=seed,
        config=config,
        mask=partition.mask,
        plane=basis,
    )
