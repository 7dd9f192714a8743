"""Runs stores (one ensemble of optimisations at one point and lb), read and validated.

Layout (docs/stores.md, written by :mod:`rsmine.optimise`): ``filters`` (run,
component, ...V) float32; per run ``rsmi``, ``rsmi_val``, ``rsmi_train`` (nats),
``best_epoch``, ``run_id``, ``failed``; ``history`` (run, epoch, part);
optionally ``v_centre`` (...V) or (run, ...V). An ensemble store
(:mod:`rsmine.stores.ensemble`) holds the same per-run arrays over many points
and buffer widths, so :class:`Runs` reads both.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rsmine.errors import InputError
from rsmine.stores.directory import SEE, open_store

PER_RUN = ("rsmi", "rsmi_val", "rsmi_train", "best_epoch", "run_id", "failed")
"""The (run,) arrays of every runs and ensemble store."""
OPTIONAL_PER_RUN = ("rsmi_se", "rsmi_sampled", "restarts")
"""(run,) arrays a runs store may hold (an ensemble carries them when every part has them)."""
PER_SITE = ("v_centre", "v_scale")
"""Per-site statistics of V: shared by a runs store's runs, per run in an ensemble."""
WITH_FILTERS = ("runs", "ensemble")


@dataclass
class Runs:
    """The runs of a runs or ensemble store, in memory.

    arrays: name -> array with the leading axis (run,) (``v_centre`` broadcast to it);
    dims: name -> its dimension names; attrs: the root attrs; kind: runs | ensemble.
    """

    path: Path
    kind: str
    attrs: dict[str, Any]
    arrays: dict[str, np.ndarray]
    dims: dict[str, list[str]]

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]

    def __contains__(self, name: str) -> bool:
        return name in self.arrays

    @property
    def n_runs(self) -> int:
        return int(self.arrays["run_id"].shape[0])

    @property
    def lattice(self) -> str:
        return str(self.attrs.get("lattice", ""))

    @property
    def failed(self) -> np.ndarray:
        """(run,) bool."""
        return self.arrays["failed"].astype(bool)

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.attrs.get("params") or {})


def load_runs(path: str | Path, kind: str | None, needed: tuple[str, ...], where: str = "") -> Runs:
    """Open a complete store of ``kind`` (runs or ensemble; None: either) and load its
    arrays: ``needed`` and every other array present. InputError names the path (after
    ``where``, e.g. an option) and what is missing or inconsistent."""
    path = Path(path)
    name = f"{where}{path}"
    group = open_store(path, kind)
    found = group.attrs.get("kind")
    if found not in WITH_FILTERS:
        raise InputError(f"{name}: is a {found!r} store, expected a runs or ensemble store")
    missing = [a for a in needed if a not in group.array_keys()]
    if missing:
        raise InputError(f"{name}: lacks arrays {missing} (expected {list(needed)}; {SEE})")
    arrays = {a: np.asarray(group[a][...]) for a in group.array_keys()}
    dims = {a: list(group[a].metadata.dimension_names or ()) for a in group.array_keys()}
    runs = arrays["run_id"].shape[0] if "run_id" in arrays else None
    for site in (s for s in PER_SITE if s in arrays and dims[s][:1] != ["run"]):
        if runs is not None:
            values = arrays[site].astype(np.float32)
            arrays[site] = np.broadcast_to(values, (runs, *values.shape)).copy()
            dims[site] = ["run", *dims[site]]
    per_run = {a: v.shape[0] for a, v in arrays.items() if dims[a][:1] == ["run"]}
    if len(set(per_run.values())) > 1:
        raise InputError(f"{name}: arrays disagree on the number of runs: {per_run}")
    return Runs(path, str(found), dict(group.attrs), arrays, dims)


def read_runs(path: str | Path, components: int | None = None) -> Runs:
    """A complete runs store with every array of the layout; ``components``: the count
    it must have been trained with (InputError otherwise)."""
    runs = load_runs(path, "runs", (*PER_RUN, "filters", "history"))
    recorded = runs.params.get("coarse_grainer", {}).get("components", components)
    if components is not None and recorded != components:
        raise InputError(
            f"{path}: runs store was trained with {recorded} components, expected {components}"
        )
    return runs


def buffer_width(runs: Runs) -> int:
    """The lb of a runs store (params.region.lb)."""
    try:
        return int(runs.params["region"]["lb"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{runs.path}: no params.region.lb; {SEE}") from exc


def component_count(runs: Runs) -> int:
    """The component count a runs store was trained with (params.coarse_grainer.components)."""
    try:
        return int(runs.params["coarse_grainer"]["components"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{runs.path}: no params.coarse_grainer.components; {SEE}") from exc
