"""The study configuration (``config.yaml``): points, windows, seeds, chunks and defaults.

The workflow's schema checks each key on its own; the checks here compare keys
with each other (does the window lv + 2·lb + 2·le fit in the lattice?) and turn
a system's entry into the parameter points, sample-store names, per-job seeds
and run chunks that the workflow fans out over. Nothing here knows Snakemake.

A system entry (see ``config.yaml``) has ``model`` (ising | dimers | chipping),
``points`` (control values: Tc/T for ising, T for dimers, w for chipping),
``simulate`` (sampler options) or ``source`` (existing sample stores, one per
point), and ``optimise`` (lv, lb list, le, components, runs, runs_per_job,
training options). ``optimise.components`` is a count or a list of counts (a
components sweep, Fig. 11): the first entry is the count every point runs and
the other analyses use; the others run at every point, or only at the control
values listed in ``optimise.components_points``. Omitted, it is the model's count
(:func:`rsmine.systems.default_components`: what ``rsmine optimise`` uses on that
model's stores). Every default is resolved here once; :func:`check` performs every
cross-key check at plan time.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rsmine import systems
from rsmine.errors import InputError
from rsmine.systems import ising_temperature, lattice_side, point_label

__all__ = ["ising_temperature", "lattice_side", "point_label"]

_SEED_STRIDE = 1_000_000
WORKFLOW_DEVICE = "auto"
"""Where optimise jobs train unless ``train.device`` says: a GPU when the job has one."""


@dataclass(frozen=True)
class Point:
    """One parameter point of a system: its control value and store name."""

    index: int
    value: float
    label: str


def points(name: str, system: Mapping[str, Any]) -> list[Point]:
    """The points of ``system``, from ``source`` when given, else from ``points``.

    Raises InputError naming the key when two values would share a store name.
    """
    model = system.get("model", "custom")
    values = (
        [float(entry["value"]) for entry in system["source"]]
        if system.get("source")
        else [float(v) for v in system["points"]]
    )
    found = [Point(i, v, point_label(model, v)) for i, v in enumerate(values)]
    labels = [p.label for p in found]
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        key = "source" if system.get("source") else "points"
        raise InputError(
            f"systems.{name}.{key}: values {duplicates} appear twice "
            "(points must be distinct to 6 significant digits)"
        )
    return found


def check_points(name: str, system: Mapping[str, Any]) -> list[Point]:
    """The points of ``system``, refusing (naming the key) a NaN, a dimer temperature below the
    sampler's least (T = 0 included) and an infinite chipping rate."""
    found = points(name, system)
    key = "source[{i}].value" if system.get("source") else "points[{i}]"
    model = system.get("model")
    for point in found:
        where = f"systems.{name}.{key.format(i=point.index)} = {point.value}"
        if math.isnan(point.value):
            raise InputError(f"{where}: expected a number, not NaN")
        if model == "dimers":
            from rsmine.models.dimers.driver import T_MIN

            if point.value < T_MIN:
                raise InputError(f"{where}: the dimer sampler needs T >= {T_MIN} (or .inf)")
        if model == "chipping" and math.isinf(point.value):
            raise InputError(f"{where}: expected a finite aggregation rate w > 0")
    return found


def check_among_points(name: str, system: Mapping[str, Any], key: str, values: list) -> None:
    """Refuse control ``values`` of setting ``key`` that are not points of the system (an
    analysis would otherwise silently take the nearest point)."""
    known = [p.value for p in points(name, system)]
    unknown = [v for v in values if not any(_same(float(v), x) for x in known)]
    if unknown:
        raise InputError(
            f"systems.{name}.{key}: {unknown} are not among the system's points {known}"
        )


def _same(a: float, b: float) -> bool:
    return a == b or math.isclose(a, b)


def check_windows(name: str, system: Mapping[str, Any]) -> None:
    """Raise InputError unless lv + 2·lb + 2·le fits in the lattice for every lb.

    Systems read from ``source`` are checked by ``rsmine optimise`` itself,
    which sees the stores' shapes.
    """
    if system.get("source") or "simulate" not in system:
        return
    opt = system["optimise"]
    side = lattice_side(system["model"], system["simulate"])
    size_key = systems.SYSTEMS[system["model"]].size_key
    odd = [lb for lb in opt["lb"] if lb % 2]
    if system["model"] == "dimers" and odd:
        raise InputError(
            f"systems.{name}.optimise.lb {odd}: on the dimer bond grid lb counts grid cells and "
            "must be even (an odd lb makes V and E share vertices); use e.g. 2, 4, 6, 8"
        )
    for lb in opt["lb"]:
        window = opt["lv"] + 2 * lb + 2 * opt["le"]
        if window > side:
            raise InputError(
                f"systems.{name}.optimise: lv {opt['lv']} + 2*lb {lb} + 2*le {opt['le']} "
                f"= {window} does not fit in the lattice of side {side} "
                f"(systems.{name}.simulate.{size_key}); lower lb or le, or enlarge the lattice"
            )


def component_counts(system: Mapping[str, Any]) -> list[int]:
    """The component counts of ``optimise.components`` (an int or a list; omitted: the
    model's count), first = main."""
    default = systems.default_components(system.get("model"))
    value = system["optimise"].get("components", default)
    return [int(k) for k in value] if isinstance(value, list) else [int(value)]


def main_components(system: Mapping[str, Any]) -> int:
    """The component count run at every point and used by all analyses but the sweep."""
    return component_counts(system)[0]


def components_at(name: str, system: Mapping[str, Any], point: Point) -> list[int]:
    """The component counts optimised at ``point``: all of them where the sweep runs."""
    counts = component_counts(system)
    where = system["optimise"].get("components_points")
    if where is None or any(math.isclose(point.value, float(v)) for v in where):
        return counts
    return counts[:1]


def check_components(name: str, system: Mapping[str, Any]) -> None:
    """Raise InputError unless every ``components_points`` value is a point of the system."""
    where = system["optimise"].get("components_points")
    if where is None:
        return
    values = [p.value for p in points(name, system)]
    unknown = [v for v in where if not any(math.isclose(float(v), x) for x in values)]
    if unknown:
        raise InputError(
            f"systems.{name}.optimise.components_points: {unknown} are not among the "
            f"system's points {values}"
        )


def check_path(key: str, path: str) -> None:
    """Raise InputError naming ``key`` unless ``path`` can name a directory of rsmine's.

    Refused: an empty path, a control character (a newline, a tab), an existing file at the
    path, or a path inside an existing file. Spaces, quotes and shell syntax are fine: the
    workflow quotes every path it hands to a shell.
    """
    if not path.strip():
        raise InputError(f"{key}: the path is empty; expected a directory")
    control = sorted({c for c in path if not c.isprintable()})
    if control:
        raise InputError(
            f"{key}: {path!r} contains {control}; expected a path without control characters"
        )
    for place in (Path(path), *Path(path).parents):
        if place.exists():
            if not place.is_dir():
                where = "is" if place == Path(path) else f"lies inside {str(place)!r}, which is"
                raise InputError(f"{key}: {path!r} {where} an existing file; expected a directory")
            return


def check_paths(config: Mapping[str, Any]) -> None:
    """Raise InputError naming the key unless ``results`` and every ``source`` store can be used.

    ``results`` must also be free of braces, which Snakemake reads as wildcards.
    """
    results = config["results"]
    check_path("results", results)
    braces = sorted({c for c in results if c in "{}"})
    if braces:
        raise InputError(
            f"results: {results!r} contains {braces}; Snakemake reads braces as wildcards"
        )
    for name, system in config["systems"].items():
        for i, entry in enumerate(system.get("source") or []):
            check_path(f"systems.{name}.source[{i}].store", entry["store"])


def check(config: Mapping[str, Any]) -> None:
    """The cross-key checks of a whole configuration (after schema validation)."""
    check_paths(config)
    for name, system in config["systems"].items():
        if not system.get("source") and "simulate" not in system:
            raise InputError(f"systems.{name}: needs either 'simulate' or 'source'")
        if not system.get("source") and "model" not in system:
            raise InputError(f"systems.{name}.model: required when the system is simulated")
        check_points(name, system)
        check_dimer_fields(name, system)
        check_filter_ensemble(name, system)
        check_windows(name, system)
        check_components(name, system)
        check_training(name, system)


def chunks(runs: int, runs_per_job: int) -> list[tuple[int, int]]:
    """Split runs 0..runs-1 into (first run, count) chunks of at most ``runs_per_job``."""
    return [(first, min(runs_per_job, runs - first)) for first in range(0, runs, runs_per_job)]


def simulate_seed(seed: int, point: Point) -> int:
    """Seed of the sampler at one point: distinct per point, fixed by the config."""
    return int(seed) * _SEED_STRIDE + point.index


def optimise_seed(seed: int, point: Point, lb: int) -> int:
    """Ensemble seed at one point and buffer width; run k then uses (seed, k)."""
    return (int(seed) * _SEED_STRIDE + point.index) * 1000 + int(lb)


def training_options(system: Mapping[str, Any], point: Point) -> dict[str, Any]:
    """Training options at ``point``: ``optimise.train`` updated by matching overrides.

    An override ``{range: [lo, hi], ...}`` applies when lo <= value <= hi; the device is
    WORKFLOW_DEVICE unless the configuration names one.
    """
    opt = system["optimise"]
    options = {"device": WORKFLOW_DEVICE, **opt.get("train", {})}
    for override in opt.get("overrides", []):
        lo, hi = override["range"]
        if lo <= point.value <= hi:
            options.update({k: v for k, v in override.items() if k != "range"})
    return options


def check_filter_ensemble(name: str, system: Mapping[str, Any]) -> None:
    """Raise InputError unless a system's ``filter_ensemble`` analyses can run on its ensemble.

    They need a dimer system, a block side lv divisible by 4 (so the
    alternating pristine filters wrap onto the block), a buffer width that the
    ensemble has, and a PCA window low < high.
    """
    settings = system.get("filter_ensemble")
    if settings is None:
        return
    key = f"systems.{name}.filter_ensemble"
    opt = system["optimise"]
    if system.get("model") != "dimers":
        raise InputError(f"{key}: only dimer systems have a filter ensemble on the bond grid")
    if opt["lv"] % 4:
        raise InputError(
            f"{key}: systems.{name}.optimise.lv is {opt['lv']}; the pristine filters and their "
            "symmetry actions need a block of an even number of vertices, lv divisible by 4"
        )
    if filter_ensemble_settings(system)["lb"] not in opt["lb"]:
        raise InputError(f"{key}.lb {settings['lb']}: expected one of optimise.lb {opt['lb']}")
    check_among_points(name, system, "filter_ensemble.histograms", settings["histograms"])
    low, high = settings["pca_window"]
    if not low < high:
        raise InputError(f"{key}.pca_window {[low, high]}: expected [low, high] with low < high")


def filter_ensemble_settings(system: Mapping[str, Any]) -> dict[str, Any]:
    """A system's ``filter_ensemble`` block with its defaults (lb: the first of optimise.lb;
    min_overlap: :data:`rsmine.analysis.dimers.u1.MIN_OVERLAP`) and the main component count."""
    from rsmine.analysis.dimers.u1 import MIN_OVERLAP

    defaults = {"lb": system["optimise"]["lb"][0], "min_overlap": MIN_OVERLAP}
    return {**defaults, **system["filter_ensemble"], "components": main_components(system)}


def check_dimer_fields(name: str, system: Mapping[str, Any]) -> None:
    """Raise InputError unless a system's ``dimer_fields`` entry fits it: a dimers system,
    points among the system's points, lb among optimise.lb."""
    fields = system.get("dimer_fields")
    if fields is None:
        return
    key = f"systems.{name}.dimer_fields"
    if system.get("model") != "dimers":
        raise InputError(f"{key}: only a dimers system has dimer fields")
    values = {p.value for p in points(name, system)}
    missing = [v for v in fields["points"] if float(v) not in values]
    if missing:
        raise InputError(f"{key}.points: {missing} are not among systems.{name}.points")
    if fields["lb"] not in system["optimise"]["lb"]:
        raise InputError(f"{key}.lb: {fields['lb']} is not among systems.{name}.optimise.lb")


def check_training(name: str, system: Mapping[str, Any]) -> None:
    """Raise InputError unless ``optimise.train`` and every override hold declared options
    with valid values (:func:`rsmine.estimator.train.options`, the one declaration), and
    the options of every point form a valid TrainConfig (tau_min <= tau_max, split, ...)."""
    from rsmine.estimator.train.config import TrainConfig, check_option, options

    train_fields = {f.name for f in dataclasses.fields(TrainConfig)}
    declared = options()
    opt = system["optimise"]
    blocks = [("train", dict(opt.get("train", {})))]
    for i, override in enumerate(opt.get("overrides", [])):
        blocks.append((f"overrides[{i}]", {k: v for k, v in override.items() if k != "range"}))
    for where, block in blocks:
        key = f"systems.{name}.optimise.{where}"
        unknown = sorted(set(block) - set(declared))
        if unknown:
            raise InputError(
                f"{key}: unknown option(s) {unknown}; expected some of {list(declared)}"
            )
        for option, value in block.items():
            try:
                check_option(option, value, declared[option][1].schema)
            except InputError as exc:
                raise InputError(f"{key}.{exc}") from exc
    model = systems.SYSTEMS.get(system.get("model", ""))
    defaults = systems.training_defaults(model.lattice) if model else {}
    for point in points(name, system):
        values = {k: d for k, (d, _) in declared.items()} | defaults
        values |= training_options(system, point)
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
        values = {k: v for k, v in values.items() if k in train_fields}
        try:
            TrainConfig(**values)
        except InputError as exc:
            raise InputError(
                f"systems.{name}.optimise: the training options at point {point.label}: {exc}"
            ) from exc


def resolve(system: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a system's entry with every default filled in once: optimise.components
    (the model's count when omitted) and, with a filter_ensemble block, its lb and
    min_overlap (:func:`filter_ensemble_settings`)."""
    resolved = copy.deepcopy(dict(system))
    opt = resolved["optimise"]
    opt.setdefault("components", systems.default_components(system.get("model")))
    if "filter_ensemble" in resolved:
        settings = filter_ensemble_settings(system)
        settings.pop("components")
        resolved["filter_ensemble"] = settings
    return resolved


def simulate_args(system: Mapping[str, Any], point: Point) -> str:
    """The options of ``rsmine simulate <model>`` at ``point`` (without ``--out``)."""
    sim = system["simulate"]
    seed = simulate_seed(sim["seed"], point)
    return systems.simulate_args(system["model"], sim, point.value, seed)


def optimise_args(
    system: Mapping[str, Any], point: Point, lb: int, components: int, chunk: int
) -> str:
    """The options of ``rsmine optimise`` for run chunk ``chunk`` at ``point``, ``lb`` and
    ``components`` (without ``--samples`` and ``--out``): the window, the runs, the seed
    and every training option of the point; ``--references true`` in chunk 0 only (the
    references are scored once per point, lb and count), unless the options switch it off."""
    from rsmine.flags import option_flags

    opt = system["optimise"]
    first, count = chunks(opt["runs"], opt["runs_per_job"])[chunk]
    window = {
        "lv": opt["lv"],
        "lb": lb,
        "le": opt["le"],
        "components": components,
        "runs": count,
        "first-run": first,
        "seed": optimise_seed(opt["seed"], point, lb),
    }
    options = training_options(system, point)
    options["references"] = True if chunk == 0 and options.get("references", True) else None
    flags = " ".join(f"--{key} {value}" for key, value in window.items())
    return f"{flags} {option_flags(options)}"


def control_name(system: Mapping[str, Any]) -> str:
    """Axis label of a system's control parameter: ``control``, else the model's."""
    model = systems.SYSTEMS.get(system.get("model", ""))
    return system.get("control") or (model.control if model else "control")
