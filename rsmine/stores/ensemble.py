"""Ensemble stores (every run of a system, one store), their writer, reader and the one
rule of which runs count.

Layout (docs/stores.md): one ``run`` axis across every parameter point and buffer
width, the per-run arrays of a runs store (``filters``, ``rsmi``, ``rsmi_val``,
``rsmi_train``, ``best_epoch``, ``run_id``, ``failed``, ``history``, optionally
``v_centre`` (run, ...V)), the per-run coordinates ``point`` (index into the root
attr ``points``), ``control``, ``lb`` and ``components``, and the root attrs
``lattice``, ``v_shape``, ``units`` of its runs stores. Where runs stores hold the attr
``references`` (``rsmine optimise --references true``), the ensemble's attr ``references``
lists them all, each with the point label, control, lb and components of its store
(:func:`part_references`). Mutual information in nats.
Runs with fewer filter rows than the ensemble's largest count (a components
sweep) have their ``filters`` padded with NaN rows (:func:`without_padding`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from rsmine.errors import InputError
from rsmine.stores.directory import SEE, building, write_array
from rsmine.stores.runs import OPTIONAL_PER_RUN, PER_RUN, PER_SITE, Runs, load_runs

COORDINATES = ("control", "lb", "components")
"""Per-run coordinates of an ensemble store besides ``point``."""
INHERITED = ("lattice", "v_shape", "units")
"""Root attrs of the runs stores copied to the ensemble store."""


def read_ensemble(path: str | Path) -> Runs:
    """A complete ensemble store with its coordinates and the attr ``points``."""
    ensemble = load_runs(path, "ensemble", (*PER_RUN, "filters", "point", *COORDINATES))
    if "points" not in ensemble.attrs:
        raise InputError(f"{path}: not an ensemble of runs (lacks the attr 'points'); {SEE}")
    return ensemble


def point_labels(ensemble: Runs) -> list[str]:
    """(run,) the point label of every run of an ensemble."""
    labels = list(ensemble.attrs["points"])
    return [labels[i] for i in ensemble["point"]]


def counted(
    runs: Runs,
    *,
    lb: int | None = None,
    components: int | str | None = None,
) -> tuple[np.ndarray, int | None]:
    """Which runs count: the one selection rule of every analysis.

    A run counts when it did not fail, was trained at buffer width ``lb`` (None: any)
    and with ``components`` components of H: a count, None (every count), or "main"
    (the count most of the other counted runs have: the one every point runs, where a
    components sweep adds others at a few points). A store without a ``components``
    array (a runs store) has one count throughout.
    Returns ((run,) bool, the component count chosen or None).
    """
    keep = ~runs.failed
    if lb is not None:
        keep &= runs["lb"] == lb if "lb" in runs else np.full_like(keep, True)
    if "components" not in runs or components is None:
        return keep, None if components == "main" else components
    counts = runs["components"]
    if components == "main":
        if not keep.any():
            return keep, None
        values, frequency = np.unique(counts[keep], return_counts=True)
        components = int(values[frequency.argmax()])
    return keep & (counts == components), int(components)


def without_padding(filters: np.ndarray, among: np.ndarray | None = None) -> np.ndarray:
    """Filters (run, row, ...V) without the rows that are NaN in every run of ``among``
    ((run,) bool; default all): the padding of runs with fewer components than others."""
    chosen = filters if among is None else filters[among]
    padded = np.isnan(chosen).all(axis=tuple(i for i in range(filters.ndim) if i != 1))
    return filters[:, ~padded]


def pad_stack(arrays: list[np.ndarray]) -> np.ndarray:
    """Concatenate (run, n, ...) arrays along run, NaN-padding axis 1 to the largest n
    (histories of different epochs; filters of different component counts); float32."""
    n = max(a.shape[1] for a in arrays)
    out = []
    for a in arrays:
        pad = np.full((a.shape[0], n - a.shape[1], *a.shape[2:]), np.nan, dtype=np.float32)
        out.append(np.concatenate([a.astype(np.float32), pad], axis=1))
    return np.concatenate(out, axis=0)


def part_references(
    parts: list[Runs], coordinates: Mapping[str, list[Any]], labels: list[str]
) -> list[dict[str, Any]]:
    """The references of runs stores ``parts`` (their attr ``references``; stores without it
    give none), each with its store's place: {point (label), control, lb, components, name,
    rsmi, rsmi_se, rsmi_val, plugin, plugin_se} (nats). coordinates, labels: as
    :func:`write_ensemble`'s."""
    out = []
    for i, part in enumerate(parts):
        place = {
            "point": labels[coordinates["point"][i]],
            "control": float(coordinates["control"][i]),
            "lb": int(coordinates["lb"][i]),
            "components": int(coordinates["components"][i]),
        }
        out.extend(place | dict(reference) for reference in part.attrs.get("references", []))
    return out


def write_ensemble(
    out: Path,
    parts: list[Runs],
    coordinates: Mapping[str, list[Any]],
    labels: list[str],
    params: Mapping[str, Any],
) -> None:
    """Write runs stores ``parts`` (in order) as one ensemble store at ``out`` (under a
    temporary name, complete last). coordinates: ``point`` (index into ``labels``),
    ``control``, ``lb``, ``components``, one value per part; params: the ``params`` attr;
    the parts' references in the attr ``references`` (:func:`part_references`), if any."""
    sizes = [part.n_runs for part in parts]
    seeds = {"runs_stores": [part.attrs.get("seed", {}) for part in parts]}
    dtypes = {"point": np.int32, "control": np.float64, "lb": np.int32, "components": np.int32}
    with building(out, "ensemble", params, seeds) as group:
        first = parts[0]
        group.attrs.update({key: first.attrs[key] for key in INHERITED if key in first.attrs})
        group.attrs["points"] = labels
        references = part_references(parts, coordinates, labels)
        if references:
            group.attrs["references"] = references
        filters = pad_stack([p["filters"] for p in parts])
        write_array(group, "filters", filters, ["run", *first.dims["filters"][1:]])
        for name in PER_RUN:
            write_array(group, name, np.concatenate([p[name] for p in parts]), ["run"])
        for name in (n for n in (*OPTIONAL_PER_RUN, *PER_SITE) if all(n in p for p in parts)):
            values = np.concatenate([p[name] for p in parts])
            write_array(group, name, values, first.dims[name])
        history = pad_stack([p["history"] for p in parts])
        write_array(group, "history", history, ["run", *first.dims["history"][1:]])
        for name, dtype in dtypes.items():
            values = [
                np.full(n, v, dtype=dtype) for v, n in zip(coordinates[name], sizes, strict=True)
            ]
            write_array(group, name, np.concatenate(values), ["run"])
