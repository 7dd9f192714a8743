"""The one store factory of the tests: samples, runs and ensemble stores written as rsmine
(or, for samples, any program following docs/stores.md) writes them.

Helper modules like this one are imported by name (``from factories import write_runs``);
no test module imports another.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import zarr

from rsmine import stores
from rsmine.analysis.dimers.pristine import pristine_basis, to_grid


def write_samples(
    path: Path, configs: np.ndarray, params: dict | None = None, seed: int = 0, **attrs
) -> Path:
    """A complete samples store of ``configs`` (sample, *lattice), written by rsmine's store
    layer; ``attrs`` (e.g. ``lattice``) join the root attrs."""
    dims = ["sample", "y", "x", "z"][: configs.ndim]
    with stores.building(path, "samples", params or {}, stores.seed_record(seed)) as group:
        group.attrs.update(attrs)
        stores.write_array(group, "configs", configs, dims)
    return path


def ising_like(n: int, side: int, seed: int = 0) -> np.ndarray:
    """(n, side, side) int8 ±1 configurations: a global random sign times sparse noise."""
    rng = np.random.default_rng(seed)
    sign = rng.choice(np.array([-1, 1], np.int8), size=(n, 1, 1))
    flips = np.where(rng.random((n, side, side)) < 0.1, -1, 1).astype(np.int8)
    return sign * flips


def write_foreign_samples(path: Path, configs: np.ndarray, named: bool = True, **attrs) -> Path:
    """A samples store as any program following docs/stores.md would write it (plain zarr;
    ``named``: with dimension names)."""
    group = zarr.open_group(store=str(path), mode="w", zarr_format=3)
    dims = ["sample", "y", "x", "z"][: configs.ndim] if named else None
    group.create_array("configs", data=configs, dimension_names=dims)
    group.attrs.update({"kind": "samples", "complete": True, **attrs})
    return path


def write_ising_like(path: Path, n: int, **attrs) -> Path:
    """A foreign samples store of ``n`` 12x12 :func:`ising_like` configurations."""
    return write_foreign_samples(path, ising_like(n, 12), lattice="square", **attrs)


def write_runs(
    path: Path,
    first: int,
    rsmi,
    failed,
    epochs: int = 3,
    seed: int = 0,
    filters=None,
    lb: int | None = None,
    lattice: str = "square",
    references: list[dict] | None = None,
) -> Path:
    """A runs store of DESIGN.md with runs first..first+len(rsmi)-1 (default: 2 components
    of Gaussian filters on V 2x2), with the input centre ``v_centre`` = seed that
    `rsmine optimise` adds; with ``lb`` its params record lb and the component count as
    `rsmine optimise` does; with ``references`` the attr of that name, as
    `rsmine optimise --references true` writes it."""
    n = len(rsmi)
    rng = np.random.default_rng(seed)
    if filters is None:
        filters = rng.normal(size=(n, 2, 2, 2))
    params = {"first_run": first}
    if lb is not None:
        params |= {"region": {"lb": lb}, "coarse_grainer": {"components": filters.shape[1]}}
    with stores.building(path, "runs", params, stores.seed_record(seed)) as group:
        group.attrs.update(lattice=lattice, v_shape=list(filters.shape[2:]))
        if references is not None:
            group.attrs["references"] = references
        v_dims = [f"v{axis}" for axis in range(filters.ndim - 2)]
        filters = np.asarray(filters, dtype=np.float32)
        stores.write_array(group, "filters", filters, ["run", "component", *v_dims])
        for name in ("rsmi", "rsmi_val", "rsmi_train"):
            stores.write_array(group, name, np.asarray(rsmi, dtype=np.float32), ["run"])
        stores.write_array(group, "best_epoch", np.full(n, epochs - 1), ["run"])
        history = np.zeros((n, epochs, 2), np.float32)
        stores.write_array(group, "history", history, ["run", "epoch", "part"])
        stores.write_array(group, "run_id", np.arange(first, first + n, dtype=np.int64), ["run"])
        stores.write_array(group, "failed", np.asarray(failed, dtype=bool), ["run"])
        centre = np.full(filters.shape[2:], seed, np.float32)
        stores.write_array(group, "v_centre", centre, v_dims)
    return path


LV = 8
"""Side of the planted dimer ensemble's visible block (grid units)."""
W = LV * LV // 2
"""Bonds of that block."""


def planted_pairs(rng, temperature: float, runs: int, noise: float = 0.1) -> np.ndarray:
    """(runs, 2, W) filter pairs as the paper describes them at low and high T.

    T < 1: (±P1, ±P2) in random order and sign; T >= 1: (S1, S2) rotated by a uniform
    angle in their plane, random signs. Gaussian noise of relative size ``noise``.
    """
    if temperature < 1:
        p = pristine_basis(["P1", "P2"], LV)
        pairs = np.stack([p[rng.permutation(2)] for _ in range(runs)])
    else:
        s = pristine_basis(["S1", "S2"], LV)
        angle = rng.uniform(0, 2 * np.pi, runs)
        c, n = np.cos(angle)[:, None], np.sin(angle)[:, None]
        pairs = np.stack([c * s[0] + n * s[1], -n * s[0] + c * s[1]], axis=1)
    pairs = pairs * rng.choice([-1.0, 1.0], size=(runs, 2, 1))
    return pairs + noise / np.sqrt(W) * rng.normal(size=pairs.shape)


def write_planted_ensemble(path: Path, sweep: int = 0) -> Path:
    """A dimer ensemble store at T 0.3 (plaquette pairs) and 15 (rotated staggered pairs).

    60 runs per T at lb 2 (run 0 failed), 5 decoy runs per T at lb 4.
    sweep: that many more runs at T 0.3, lb 2 with three components (Ex, Ey, C), as a
    components sweep writes them; the store then records each run's ``components`` and
    pads the pairs' third row with NaN.
    """
    rng = np.random.default_rng(3)
    temps, lbs, filters = [], [], []
    for temperature in (0.3, 15.0):
        for lb in (2, 4):
            pairs = planted_pairs(rng, temperature, 60 if lb == 2 else 5)
            filters.append(to_grid(pairs))
            temps += [temperature] * len(pairs)
            lbs += [lb] * len(pairs)
    filters = np.concatenate(filters).astype(np.float32)
    components = np.full(len(temps), 2, dtype=np.int32)
    if sweep:
        triples = np.broadcast_to(pristine_basis(["Ex", "Ey", "C"], LV), (sweep, 3, W))
        pad = np.full((len(filters), 1, LV, LV), np.nan, dtype=np.float32)
        filters = np.concatenate([np.concatenate([filters, pad], 1), to_grid(triples)])
        components = np.concatenate([components, np.full(sweep, 3, dtype=np.int32)])
        temps += [0.3] * sweep
        lbs += [2] * sweep
    failed = np.zeros(len(temps), dtype=bool)
    failed[0] = True
    with stores.building(path, "ensemble", {}, stores.seed_record(0)) as group:
        group.attrs["lattice"] = "dimer_grid"
        group.attrs["points"] = ["T0.3", "T15"]
        stores.write_array(group, "filters", filters, ["run", "component", "v0", "v1"])
        stores.write_array(group, "control", np.asarray(temps), ["run"])
        stores.write_array(group, "lb", np.asarray(lbs, dtype=np.int32), ["run"])
        stores.write_array(group, "failed", failed, ["run"])
        stores.write_array(group, "components", components, ["run"])
        point = (np.asarray(temps) > 1).astype(np.int32)
        stores.write_array(group, "point", point, ["run"])
        stores.write_array(group, "run_id", np.arange(len(temps), dtype=np.int64), ["run"])
        for name in ("rsmi", "rsmi_val", "rsmi_train"):
            stores.write_array(group, name, np.zeros(len(temps), np.float32), ["run"])
        stores.write_array(group, "best_epoch", np.zeros(len(temps), np.int32), ["run"])
    return path
