"""Ensembles: many runs stores merged into one store, and that store read back.

The ensemble store (kind ``ensemble``) has a long layout: one ``run`` axis
across every parameter point and buffer width of a system, with per-run
coordinates ``point`` (index into the root attr ``points``), ``control`` (the
control value), ``lb``, ``components`` (the number of components of H the run
was trained with) and ``run_id``, beside the arrays of the runs stores
(``filters``, ``rsmi``, ``rsmi_val``, ``rsmi_train``, ``best_epoch``,
``history``, ``failed``), and, when every runs store has them, ``rsmi_se`` and
``rsmi_sampled`` (run,), and ``v_centre``, ``v_scale`` (run, ...V) — the input
centre μ and scale σ of each run's filters (H = Λ·(v − μ)/σ). Mutual
information is in nats throughout. Runs with fewer filter rows than the
largest count of the ensemble (a components sweep) have their ``filters``
padded with NaN rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rsmine.errors import InputError
from rsmine.progress import summary
from rsmine.store import SEE, building, check_output, open_store, write_array

PER_RUN = ("rsmi", "rsmi_val", "rsmi_train", "best_epoch", "run_id", "failed")
OPTIONAL_PER_RUN = ("rsmi_se", "rsmi_sampled")
"""Per-run arrays carried into an ensemble when every runs store has them."""
PER_SITE = ("v_centre", "v_scale")
"""Per-site statistics of V, shared by a runs store's runs, stored per run in an ensemble."""
COORDINATES = ("control", "lb", "components")
"""Per-run coordinates of an ensemble store besides ``point``."""
INHERITED = ("lattice", "v_shape", "units")
"""Root attrs of the first runs store copied to the ensemble store."""


@dataclass(frozen=True)
class RunsPart:
    """One runs store and its place in an ensemble: point label, control value, lb, components."""

    path: Path
    point: str
    control: float
    lb: int
    components: int = 1


@dataclass
class _Runs:
    """The arrays of one runs store; every array has the leading axis (run,)."""

    arrays: dict[str, np.ndarray]
    dims: dict[str, list[str]]
    attrs: dict[str, Any]


def _read_part(part: RunsPart) -> _Runs:
    group = open_store(part.path, "runs")
    params = group.attrs.get("params", {})
    recorded = params.get("coarse_grainer", {}).get("components", part.components)
    if recorded != part.components:
        raise InputError(
            f"{part.path}: runs store was trained with {recorded} components, "
            f"expected {part.components}"
        )
    names = (*PER_RUN, "filters", "history")
    missing = [name for name in names if name not in group.array_keys()]
    if missing:
        raise InputError(
            f"{part.path}: runs store lacks arrays {missing} (expected {list(names)}, {SEE})"
        )
    arrays = {name: np.asarray(group[name][...]) for name in names}
    count = {name: a.shape[0] for name, a in arrays.items()}
    if len(set(count.values())) != 1:
        raise InputError(f"{part.path}: arrays disagree on the number of runs: {count}")
    dims = {name: list(group[name].metadata.dimension_names or ()) for name in names}
    for name in (n for n in OPTIONAL_PER_RUN if n in group.array_keys()):
        arrays[name], dims[name] = np.asarray(group[name][...]), ["run"]
    for name in (n for n in PER_SITE if n in group.array_keys()):
        site = np.asarray(group[name][...], dtype=np.float32)
        arrays[name] = np.broadcast_to(site, (count["run_id"], *site.shape)).copy()
        dims[name] = ["run", *(group[name].metadata.dimension_names or ())]
    return _Runs(arrays, dims, dict(group.attrs))


def _check_complete(
    parts: Sequence[RunsPart], loaded: Sequence[_Runs], runs: Mapping[tuple[str, int], int]
) -> None:
    """Refuse an ensemble whose (point, lb, components) cells do not hold runs 0..runs-1
    exactly once; ``runs`` is keyed by (point, lb), every component count alike."""
    found: dict[tuple[str, int, int], list[int]] = {}
    for part, data in zip(parts, loaded, strict=True):
        if (part.point, part.lb) not in runs:
            raise InputError(f"{part.path}: point {part.point!r}, lb {part.lb} is not expected")
        found.setdefault((part.point, part.lb, part.components), []).extend(
            int(k) for k in data.arrays["run_id"]
        )
    for point, lb in runs:
        if not any(key[:2] == (point, lb) for key in found):
            raise InputError(f"ensemble is incomplete at point {point!r}, lb {lb}: no runs store")
    for (point, lb, components), ids in found.items():
        if sorted(ids) != list(range(runs[(point, lb)])):
            missing = sorted(set(range(runs[(point, lb)])) - set(ids))
            raise InputError(
                f"ensemble is incomplete at point {point!r}, lb {lb}, components {components}: "
                f"expected run ids 0..{runs[(point, lb)] - 1} once each, missing "
                f"{missing[:10]}, {len(ids)} found"
            )
    shapes = {data.arrays["filters"].shape[2:] for data in loaded}
    if len(shapes) != 1:
        raise InputError(f"runs stores disagree on the filter shape ...V: {shapes}")


def _pad_stack(arrays: Sequence[np.ndarray]) -> np.ndarray:
    """Concatenate (run, n, ...) arrays along run, NaN-padding axis 1 to the largest n
    (histories of different epochs; filters of different component counts); float32."""
    n = max(a.shape[1] for a in arrays)
    out = []
    for a in arrays:
        pad = np.full((a.shape[0], n - a.shape[1], *a.shape[2:]), np.nan, dtype=np.float32)
        out.append(np.concatenate([a.astype(np.float32), pad], axis=1))
    return np.concatenate(out, axis=0)


def merge_runs(
    parts: Sequence[RunsPart],
    out: str | Path,
    runs: Mapping[tuple[str, int], int],
    params: Mapping[str, Any] | None = None,
) -> Path:
    """Merge runs stores into one ensemble store at ``out``.

    parts: every runs store of the ensemble, with its point label, control value, lb
        and number of components.
    runs: the number of runs expected per (point label, lb); each (point, lb,
        components) cell must hold run ids 0..runs-1 exactly once, so a missing or
        duplicated chunk is refused.
    params: recorded in the store's ``params`` attr (e.g. the system's configuration).
    Returns the path of the written store. ``out`` is checked by
    :func:`rsmine.store.check_output` before any store is read.
    """
    if not parts:
        raise InputError("merge_runs: no runs stores given")
    out = check_output(out, "ensemble", [part.path for part in parts])
    loaded = [_read_part(part) for part in parts]
    _check_complete(parts, loaded, runs)
    labels = list(dict.fromkeys(part.point for part in parts))
    sizes = [data.arrays["run_id"].shape[0] for data in loaded]

    def coordinate(values: list[Any], dtype: Any) -> np.ndarray:
        return np.concatenate(
            [np.full(n, v, dtype=dtype) for v, n in zip(values, sizes, strict=True)]
        )

    record = {
        "parts": [
            {
                "path": str(p.path),
                "point": p.point,
                "control": p.control,
                "lb": p.lb,
                "components": p.components,
            }
            for p in parts
        ],
        "config": dict(params or {}),
    }
    seeds = {"runs_stores": [data.attrs.get("seed", {}) for data in loaded]}
    with building(out, "ensemble", record, seeds) as group:
        first = loaded[0]
        group.attrs.update({key: first.attrs[key] for key in INHERITED if key in first.attrs})
        group.attrs["points"] = labels
        filters = _pad_stack([d.arrays["filters"] for d in loaded])
        write_array(group, "filters", filters, ["run", *first.dims["filters"][1:]])
        for name in PER_RUN:
            write_array(group, name, np.concatenate([d.arrays[name] for d in loaded]), ["run"])
        for name in (*OPTIONAL_PER_RUN, *PER_SITE):
            if all(name in d.arrays for d in loaded):
                joined = np.concatenate([d.arrays[name] for d in loaded])
                write_array(group, name, joined, first.dims[name])
        history = _pad_stack([d.arrays["history"] for d in loaded])
        write_array(group, "history", history, ["run", *first.dims["history"][1:]])
        write_array(
            group, "point", coordinate([labels.index(p.point) for p in parts], np.int32), ["run"]
        )
        write_array(group, "control", coordinate([p.control for p in parts], np.float64), ["run"])
        write_array(group, "lb", coordinate([p.lb for p in parts], np.int32), ["run"])
        components = coordinate([p.components for p in parts], np.int32)
        write_array(group, "components", components, ["run"])
    summary("merge", f"{sum(sizes)} runs from {len(parts)} stores -> {out}")
    return out


def component_runs(
    group: Any, among: np.ndarray, components: int | None = None
) -> tuple[np.ndarray, int | None]:
    """Which runs of an ensemble store were trained with ``components`` components.

    group: the open ensemble store; among: (run,) bool, the runs considered.
    components: None takes the count most of ``among`` have (the one every point runs,
    where a components sweep adds others at a few points).
    Returns ((run,) bool: ``among`` and of that count, the count); a store without a
    ``components`` array (one count throughout) gives (among, components). Their filters
    still carry the NaN rows padding them to the largest count: :func:`without_padding`.
    """
    if "components" not in group:
        return among, components
    counts = np.asarray(group["components"][...])
    if components is None and among.any():
        values, frequency = np.unique(counts[among], return_counts=True)
        components = int(values[frequency.argmax()])
    if components is None:
        return among, None
    return among & (counts == components), components


def without_padding(filters: np.ndarray, among: np.ndarray | None = None) -> np.ndarray:
    """Filters (run, row, ...V) without the rows that are NaN in every run of ``among``
    ((run,) bool; default all): the padding of runs with fewer components than others."""
    chosen = filters if among is None else filters[among]
    padded = np.isnan(chosen).all(axis=tuple(i for i in range(filters.ndim) if i != 1))
    return filters[:, ~padded]


def read_ensemble(path: str | Path) -> pd.DataFrame:
    """One row per run: point, control, lb, components, run_id, failed, best_epoch,
    rsmi, rsmi_val, rsmi_train (nats)."""
    group = open_store(path, "ensemble")
    missing = [name for name in (*COORDINATES, *PER_RUN, "point") if name not in group]
    if "points" not in group.attrs or missing:
        raise InputError(
            f"{path}: not an ensemble of runs (lacks the attr 'points' or the arrays "
            f"{missing}); see docs/stores.md"
        )
    labels = list(group.attrs["points"])
    frame = pd.DataFrame({name: np.asarray(group[name][...]) for name in (*COORDINATES, *PER_RUN)})
    frame.insert(0, "point", [labels[i] for i in np.asarray(group["point"][...])])
    return frame
