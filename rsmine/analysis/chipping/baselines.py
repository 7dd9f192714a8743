"""Baselines of the chipping RSMI (paper Fig. 12b): exact at w = 0 and model-free at every w.

The learned RSMI of a chipping system is read against what its samples hold, for the
block mass of V as the coarse variable H, in two forms: **binary** (the block mass
thresholded at its training-part mean, the hard binary H) and **continuous** (the block
mass itself, the continuous H):

- exact at w = 0 (:func:`rsmine.models.zero_range.exact_rsmi`), where the steady state is
  uniform at fixed total mass and the RSMI is set by mass conservation;
- model-free at each w (:func:`rsmine.estimator.plugin.binned_reference`): H against the
  linear prediction of the block mass from E, fitted on the training part and cut into 16
  quantile bins, scored by plug-in on the test part (a lower bound on I(H : E) up to its
  estimation error, with a bootstrap standard error);
- for the window of the learned runs (E the rest of the ring, by default) and for a thin
  environment (a shell of ``le_thin`` sites each side of the buffer), the control: with a
  thin E the information carried by E's total mass is gone, at w = 0 exactly.

:func:`baselines_table` writes one row per (w, environment, H); the figure is
:func:`rsmine.figures.chipping.rsmi_baselines`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from rsmine.errors import InputError
from rsmine.estimator.plugin import binned_reference
from rsmine.estimator.regions import Partition
from rsmine.estimator.train.config import TrainConfig
from rsmine.estimator.train.parts import part_rows
from rsmine.models.zero_range import exact_rsmi
from rsmine.stores import read_samples

COLUMNS = [
    "w",
    "L",
    "samples",
    "environment",
    "le",
    "H",
    "model_free",
    "model_free_se",
    "exact_w0",
]
"""Columns of :func:`baselines_table`: w, ring length L, samples, environment ("ring":
the learned runs' le; "thin": le_thin), le, H ("binary" | "continuous"), the model-free
reference ± its standard error and the exact w = 0 value of the same geometry (nats)."""
CSV_NAMES = {k: f"{k}_nats" for k in ("model_free", "model_free_se", "exact_w0")}
"""Columns renamed in the CSV file (:func:`read_baselines_csv`), so that each names its unit."""


def window_baselines(
    configs: np.ndarray, lv: int, lb: int, le: int, *, origins: int, seed: int
) -> dict[str, tuple[float, float]]:
    """Model-free I(H : E) in nats, ± standard error, of the binary and continuous block
    mass on one window of chipping configurations.

    configs: (N, L) integer masses of a ring; lv, lb, le: the window (sites); origins: V
    positions per configuration (translation copies, drawn from ``seed``); the
    configurations split into parts as the learned runs' default split, seeded by ``seed``.
    Returns {"binary": (mi, se), "continuous": (mi, se)}.
    """
    configs = np.asarray(configs)
    partition = Partition("chain", configs.shape[1:], lv, lb, le, origins=origins, seed=seed)
    v, e = partition.windows(configs).materialise()
    rows = part_rows(len(configs), TrainConfig().split, np.random.default_rng(seed))
    mass = v.sum(axis=-1, dtype=np.float64)  # (N, O) block mass M_V
    found = binned_reference(mass, e, rows, np.random.default_rng(seed))
    return {h: (estimate.mi, estimate.se) for h, estimate in found.items()}


def baselines_table(
    stores: Mapping[float, str | Path],
    lv: int,
    lb: int,
    le: int,
    *,
    le_thin: int = 16,
    origins: int = 4,
    seed: int = 0,
) -> pd.DataFrame:
    """The exact and model-free baselines of chipping sample stores (w -> store, one ring
    length and density), on the window (lv, lb, le) and on the thin one (lv, lb, le_thin);
    rows in increasing w, columns :data:`COLUMNS`."""
    if not stores:
        raise InputError("chipping baselines: no sample stores given")
    if le_thin >= le:
        raise InputError(
            f"chipping baselines: le_thin {le_thin} must be below the window's le {le}"
        )
    rows = []
    for w, store in sorted(stores.items()):
        samples = read_samples(store)
        if samples.lattice != "chain":
            raise InputError(f"{store}: a {samples.lattice} store, expected a chipping chain")
        L = samples.shape[0]
        total = round(float(samples.configs[0].sum()))
        for environment, depth in (("ring", le), ("thin", le_thin)):
            found = window_baselines(samples.configs, lv, lb, depth, origins=origins, seed=seed)
            rest = None if lv + 2 * lb + 2 * depth == L else depth
            for h, (mi, se) in found.items():
                exact = exact_rsmi(L, total, lv, lb, binary=h == "binary", le=rest)
                rows.append([w, L, samples.n_samples, environment, depth, h, mi, se, exact])
    return pd.DataFrame(rows, columns=COLUMNS)


def read_baselines_csv(path: str | Path) -> pd.DataFrame:
    """A :func:`baselines_table` written with ``write_csv(table, path, CSV_NAMES)``, read back
    with the columns of :data:`COLUMNS`."""
    table = pd.read_csv(path).rename(columns={v: k for k, v in CSV_NAMES.items()})
    missing = sorted(set(COLUMNS) - set(table.columns))
    if missing:
        raise InputError(f"{path}: a chipping baselines table lacks columns {missing}")
    return table


LEARNED_COLUMNS = ["w", "lb", "runs", "best", "best_se", "mean", "sem", "H", "le"]
"""Columns of :func:`learned_curve`: w, lb, successful runs, the test RSMI of the
validation-best run ± its held-out standard error, the mean over runs ± its standard
error (nats), the coarse variable's embedding H and the window's le."""


def learned_curve(path: str | Path) -> pd.DataFrame:
    """The learned RSMI of a chipping ensemble store per (w, lb), in increasing w: the
    validation-best run and the mean over the successful runs, as the ensemble summary
    (:func:`rsmine.analysis.rsmi.summary.summarise`) has them; H and le from the system's
    configuration that ``rsmine aggregate --params`` recorded in the store (attr
    ``params.config``)."""
    from rsmine import stores
    from rsmine.analysis.rsmi.summary import standard_error, summarise

    config = stores.open_store(path, "ensemble").attrs["params"].get("config", {})
    optimise = config.get("optimise")
    if optimise is None:
        raise InputError(f"{path}: no system configuration (aggregate it with --params)")
    table = summarise(path)  # ordered by components, lb, then control
    curve = table.rename(columns={"control": "w"}).assign(
        sem=standard_error(table),
        H=optimise.get("train", {}).get("embedding", "binary"),
        le=optimise["le"],
    )
    return curve[LEARNED_COLUMNS]
