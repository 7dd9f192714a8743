"""The aggregate stage: the runs stores of a system -> one ensemble store.

Command line (the contract the workflow's aggregate rule calls)::

    rsmine aggregate --out ENSEMBLE --runs R [--params JSON]
                     --part POINT CONTROL RUNS_STORE [--part POINT CONTROL RUNS_STORE ...]

Each ``--part`` names one runs store with its point label (e.g. ``T0.65``) and
control value (a number or ``inf``); its buffer width and component count are read
from the store (``params.region.lb``, ``params.coarse_grainer.components``). Runs
are laid out in the order of the parts, points in the order they first appear.
``--runs``: the runs expected in every (point, lb, components) cell, run ids
0..R-1 exactly once each, so a missing or duplicated chunk is refused before
anything is written. ``--params``: a JSON object recorded as ``params.config``
(e.g. the system's configuration). Exit status 2 with a one-line message on bad
input; the ensemble store appears complete or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rsmine.errors import InputError
from rsmine.progress import summary
from rsmine.stores import check_output
from rsmine.stores.ensemble import write_ensemble
from rsmine.stores.runs import Runs, buffer_width, component_count, read_runs


@dataclass(frozen=True)
class RunsPart:
    """One runs store and its place in an ensemble: point label, control value, lb and
    components (None: read from the store's params)."""

    path: Path
    point: str
    control: float
    lb: int | None = None
    components: int | None = 1


def _load(part: RunsPart) -> tuple[RunsPart, Runs]:
    """The runs store of ``part``, and the part with its lb and components filled in."""
    runs = read_runs(part.path, part.components)
    lb = buffer_width(runs) if part.lb is None else part.lb
    components = component_count(runs) if part.components is None else part.components
    return RunsPart(Path(part.path), part.point, float(part.control), lb, components), runs


def _check_complete(
    parts: Sequence[RunsPart], loaded: Sequence[Runs], runs: Mapping[tuple[str, int], int]
) -> None:
    """Refuse an ensemble whose (point, lb, components) cells do not hold runs 0..runs-1
    exactly once; ``runs`` is keyed by (point, lb), every component count alike."""
    found: dict[tuple[str, int, int], list[int]] = {}
    for part, data in zip(parts, loaded, strict=True):
        if (part.point, part.lb) not in runs:
            raise InputError(f"{part.path}: point {part.point!r}, lb {part.lb} is not expected")
        found.setdefault((part.point, part.lb, part.components), []).extend(
            int(k) for k in data["run_id"]
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
    shapes = {data["filters"].shape[2:] for data in loaded}
    if len(shapes) != 1:
        raise InputError(f"runs stores disagree on the filter shape ...V: {shapes}")


def aggregate(
    parts: Sequence[RunsPart],
    out: str | Path,
    runs: Mapping[tuple[str, int], int] | int,
    params: Mapping[str, Any] | None = None,
) -> Path:
    """Merge runs stores into one ensemble store at ``out`` (layout: rsmine.stores.ensemble).

    parts: every runs store of the ensemble with its point label, control value, lb and
        number of components (None: from the store).
    runs: the number of runs expected per (point label, lb), or one number for all; each
        (point, lb, components) cell must hold run ids 0..runs-1 exactly once.
    params: recorded in the store's ``params`` attr as ``config``.
    ``out`` is checked by :func:`rsmine.stores.check_output` before any store is read.
    Returns the path of the written store.
    """
    if not parts:
        raise InputError("aggregate: no runs stores given")
    if not isinstance(runs, Mapping) and (isinstance(runs, bool) or int(runs) < 1):
        raise InputError(f"--runs {runs}: expected an integer >= 1")
    out = check_output(out, "ensemble", [part.path for part in parts])
    filled, loaded = zip(*(_load(part) for part in parts), strict=True)
    if not isinstance(runs, Mapping):
        runs = {(p.point, p.lb): int(runs) for p in filled}
    _check_complete(filled, loaded, runs)
    labels = list(dict.fromkeys(part.point for part in filled))
    coordinates = {
        "point": [labels.index(p.point) for p in filled],
        "control": [p.control for p in filled],
        "lb": [p.lb for p in filled],
        "components": [p.components for p in filled],
    }
    record = {
        "parts": [
            {"path": str(p.path), "point": p.point, "control": p.control, "lb": p.lb}
            | {"components": p.components}
            for p in filled
        ],
        "config": dict(params or {}),
    }
    write_ensemble(out, list(loaded), coordinates, labels, record)
    total = sum(data.n_runs for data in loaded)
    summary("aggregate", f"{total} runs from {len(parts)} stores -> {out}")
    return out
