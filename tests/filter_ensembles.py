"""Planted dimer filter ensembles for the tests: pristine pairs with noise, as an ensemble store."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rsmine import store
from rsmine.analysis.dimers.pristine import pristine_basis, to_grid

LV = 8
W = LV * LV // 2


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
    with store.building(path, "ensemble", {}, store.seed_record(0)) as group:
        group.attrs["lattice"] = "dimer_grid"
        group.attrs["points"] = ["T0.3", "T15"]
        store.write_array(group, "filters", filters, ["run", "component", "v0", "v1"])
        store.write_array(group, "control", np.asarray(temps), ["run"])
        store.write_array(group, "lb", np.asarray(lbs, dtype=np.int32), ["run"])
        store.write_array(group, "failed", failed, ["run"])
        if sweep:
            store.write_array(group, "components", components, ["run"])
    return path
