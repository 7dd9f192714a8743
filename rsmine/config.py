"""The science configuration (``config.yaml``): points, windows, seeds and chunks.

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
values listed in ``optimise.components_points``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rsmine.errors import InputError
from rsmine.models.critical import ISING_TC

"""Critical temperature of the square-lattice Ising model, 2/ln(1+√2), in units of |J|."""

CONTROL = {"ising": "Tc/T", "dimers": "T", "chipping": "w"}
_PREFIX = {"ising": "TcT", "dimers": "T", "chipping": "w"}
_SEED_STRIDE = 1_000_000


@dataclass(frozen=True)
class Point:
    """One parameter point of a system: its control value and store name."""

    index: int
    value: float
    label: str


def point_label(model: str, value: float) -> str:
    """The name of a point in paths: ``T0.65``, ``Tinf``, ``TcT1.05``, ``w0.333``."""
    return f"{_PREFIX.get(model, 'p')}{format(float(value), 'g')}"


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


def lattice_side(model: str, simulate: Mapping[str, Any]) -> int:
    """Side of the simulated lattice in sites: L (ising, chipping) or 2n (dimer bond grid)."""
    return 2 * int(simulate["n"]) if model == "dimers" else int(simulate["L"])


def check_windows(name: str, system: Mapping[str, Any]) -> None:
    """Raise InputError unless lv + 2·lb + 2·le fits in the lattice for every lb.

    Systems read from ``source`` are checked by ``rsmine optimise`` itself,
    which sees the stores' shapes.
    """
    if system.get("source") or "simulate" not in system:
        return
    opt = system["optimise"]
    side = lattice_side(system["model"], system["simulate"])
    size_key = "n" if system["model"] == "dimers" else "L"
    for lb in opt["lb"]:
        window = opt["lv"] + 2 * lb + 2 * opt["le"]
        if window > side:
            raise InputError(
                f"systems.{name}.optimise: lv {opt['lv']} + 2*lb {lb} + 2*le {opt['le']} "
                f"= {window} does not fit in the lattice of side {side} "
                f"(systems.{name}.simulate.{size_key}); lower lb or le, or enlarge the lattice"
            )


def component_counts(system: Mapping[str, Any]) -> list[int]:
    """The component counts of ``optimise.components`` (an int or a list), first = main."""
    value = system["optimise"].get("components", 1)
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


def check(config: Mapping[str, Any]) -> None:
    """The cross-key checks of a whole configuration (after schema validation)."""
    for name, system in config["systems"].items():
        if not system.get("source") and "simulate" not in system:
            raise InputError(f"systems.{name}: needs either 'simulate' or 'source'")
        if not system.get("source") and "model" not in system:
            raise InputError(f"systems.{name}.model: required when the system is simulated")
        check_points(name, system)
        check_windows(name, system)
        check_filter_ensemble(name, system)
        check_components(name, system)


def chunks(runs: int, runs_per_job: int) -> list[tuple[int, int]]:
    """Split runs 0..runs-1 into (first run, count) chunks of at most ``runs_per_job``."""
    return [(first, min(runs_per_job, runs - first)) for first in range(0, runs, runs_per_job)]


def simulate_seed(seed: int, point: Point) -> int:
    """Seed of the sampler at one point: distinct per point, fixed by the config."""
    return int(seed) * _SEED_STRIDE + point.index


def optimise_seed(seed: int, point: Point, lb: int) -> int:
    """Ensemble seed at one point and buffer width; run k then uses (seed, k)."""
    return (int(seed) * _SEED_STRIDE + point.index) * 1000 + int(lb)


def ising_temperature(tc_over_t: float) -> float:
    """T from the control value Tc/T (|J| = 1); Tc/T = 0 is T = inf."""
    return math.inf if tc_over_t == 0 else ISING_TC / tc_over_t


def training_options(system: Mapping[str, Any], point: Point) -> dict[str, Any]:
    """Training options at ``point``: ``optimise.train`` updated by matching overrides.

    An override ``{range: [lo, hi], ...}`` applies when lo <= value <= hi.
    """
    opt = system["optimise"]
    options = dict(opt.get("train", {}))
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
    if settings.get("lb", opt["lb"][0]) not in opt["lb"]:
        raise InputError(f"{key}.lb {settings['lb']}: expected one of optimise.lb {opt['lb']}")
    check_among_points(name, system, "filter_ensemble.histograms", settings["histograms"])
    low, high = settings["pca_window"]
    if not low < high:
        raise InputError(f"{key}.pca_window {[low, high]}: expected [low, high] with low < high")
