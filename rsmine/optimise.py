"""An ensemble of RSMI-NE optimisations on one sample store, written as a runs store.

:func:`optimise_store` is what ``rsmine optimise`` runs: it validates every
input before any work, partitions the configurations into V / buffer / E
(:class:`rsmine.estimator.regions.Partition`), trains runs ``first_run .. first_run +
runs - 1`` as one replica-batched ensemble (:func:`rsmine.estimator.train.train_ensemble`)
and writes the runs store of DESIGN.md under a temporary name, renamed into
place complete only when everything is written.

Runs store written here (R runs, C filter rows, V of shape ``v_shape``):

- ``filters`` (run, component, v0[, v1, v2]) float32; C = components (times
  q for the categorical embedding); weights outside ``mask`` are zero;
- ``rsmi`` (run,) float32 nats on the test part, exactly discrete H, never
  used for any decision; ``rsmi_val``, ``rsmi_train`` likewise on the
  validation and training parts; NaN for failed runs;
- ``best_epoch`` (run,) int32; ``history`` (run, epoch, part) float32 nats,
  part = [train, val], NaN after a run stopped; ``tau`` (step,) float32 the
  Gumbel-softmax relaxation of every optimisation step;
- ``run_id`` (run,) int64; ``failed`` (run,) bool; ``failed_epoch`` (run,)
  int32, -1 when not failed;
- ``v_centre`` (v0[, v1, v2]) float32: the training part's mean μ of each
  visible site; H is computed from Λ·(v − μ).

Root attrs: ``params`` = {samples, n_samples, runs, first_run, region,
coarse_grainer, critic, optimiser, split}, ``seed`` (entropy and how runs are
seeded), ``lattice``, ``v_shape``, ``samples`` (the input store path),
``units`` ("nats").
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from rsmine import progress, store
from rsmine.errors import InputError
from rsmine.estimator.regions import Partition
from rsmine.estimator.train import EnsembleResult, TrainConfig, resolve_device, train_ensemble

# The paper's Tables I-II for the dimer grid; spin lattices use TrainConfig's
# defaults (Tables I-II, 2-D Ising).
_DIMER_DEFAULTS = {"components": 2, "epochs": 50, "batch": 400, "tau_max": 0.75}
_ATTR_GROUPS = {
    "coarse_grainer": ("embedding", "states", "tau_max", "tau_min", "anneal_rate", "centre"),
    "critic": ("bound", "hidden", "embed"),
    "split": ("split",),
}
SEEDING = (
    "run k: numpy SeedSequence(entropy, spawn_key=(k,)); train/val/test split, "
    "minibatch order and origin picks: SeedSequence(entropy); V origins: default_rng(entropy)"
)


def table_defaults(lattice: str) -> dict[str, Any]:
    """Options that differ from TrainConfig's Ising defaults on ``lattice`` (paper Tables I-II).

    Keys: components, and TrainConfig fields. Empty for spin lattices.
    """
    return dict(_DIMER_DEFAULTS) if lattice == "dimer_grid" else {}


def _check_int(option: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise InputError(f"--{option} {value!r}: expected an integer >= {minimum}")
    return int(value)


def _train_config(options: Mapping[str, Any]) -> TrainConfig:
    """TrainConfig from ``options``, unknown names refused."""
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(options) - names)
    if unknown:
        raise InputError(
            f"train option(s) {unknown}: expected fields of TrainConfig {sorted(names)}"
        )
    try:
        return TrainConfig(**options)
    except InputError as exc:
        raise InputError(f"training options: {exc}") from exc
    except (TypeError, ValueError) as exc:
        raise InputError(f"training options {dict(options)}: {exc}") from exc


def optimise_store(
    samples: str | Path,
    out: str | Path,
    *,
    lv: int,
    lb: int,
    le: int,
    runs: int,
    seed: int,
    components: int | None = None,
    first_run: int = 0,
    epochs: int | None = None,
    patience: int | None = None,
    batch: int | None = None,
    lr: float | None = None,
    bound: str | None = None,
    device: str = "auto",
    origins: int = 1,
    train_options: Mapping[str, Any] | None = None,
) -> Path:
    """Train runs ``first_run .. first_run + runs - 1`` on a sample store; write a runs store.

    samples: a complete sample store (``configs`` (sample, *lattice)).
    out: the runs store to write (replaced if it is an existing runs store).
    lv, lb, le: side of V, buffer width, environment shell thickness (sites;
    grid units on the dimer grid). Options left None take the paper's values
    for the store's lattice (:func:`table_defaults`, else TrainConfig's
    defaults); ``train_options`` sets further TrainConfig fields. ``origins``
    V origins per configuration (translation invariance). Run k is seeded
    from (seed, k) alone. Every input is validated before any work; bad input
    raises :class:`InputError` and leaves nothing behind.
    Returns the path of the complete runs store.
    """
    started = time.perf_counter()
    samples, out = Path(samples), Path(out)
    runs = _check_int("runs", runs, 1)
    first_run = _check_int("first-run", first_run, 0)
    seed = _check_int("seed", seed, 0)
    store.check_output(out, "runs", inputs=(samples,))
    sample_set = store.read_samples(samples)
    defaults = table_defaults(sample_set.lattice)
    default_components = defaults.pop("components", 1)
    components = default_components if components is None else components
    components = _check_int("components", components, 1)
    partition = Partition(
        sample_set.lattice,
        sample_set.shape,
        lv,
        lb,
        le,
        origins=_check_int("origins", origins, 1),
        seed=seed,
        where=str(samples),
    )
    given = {"epochs": epochs, "patience": patience, "batch": batch, "lr": lr, "bound": bound}
    given = {k: v for k, v in given.items() if v is not None}
    config = _train_config({**defaults, **dict(train_options or {}), **given, "device": device})
    v, e = partition.split(sample_set.configs)
    try:  # train_ensemble validates its inputs (device, part sizes) before any work
        result = train_ensemble(
            v,
            e,
            components=components,
            runs=runs,
            first_run=first_run,
            seed=seed,
            config=config,
            mask=partition.mask,
        )
    except InputError as exc:
        raise InputError(f"{samples}: {exc}") from exc
    _write(out, sample_set, partition, config, result, components, first_run, seed)
    _report(out, result, time.perf_counter() - started)
    return out


def _params(
    sample_set: store.SampleSet,
    partition: Partition,
    config: TrainConfig,
    components: int,
    first_run: int,
    runs: int,
) -> dict[str, Any]:
    """The full parameter record of a runs store (JSON-serialisable)."""
    fields = _jsonable(dataclasses.asdict(config))
    groups = {name: {k: fields.pop(k) for k in keys} for name, keys in _ATTR_GROUPS.items()}
    groups["coarse_grainer"].update(components=components, n_free=int(partition.mask.sum()))
    groups["optimiser"] = {**fields, "device_used": resolve_device(config.device).type}
    return {
        "samples": str(sample_set.path),
        "n_samples": sample_set.n_samples,
        "runs": runs,
        "first_run": first_run,
        "region": {
            "lattice": partition.lattice,
            "shape": list(partition.shape),
            "lv": partition.lv,
            "lb": partition.lb,
            "le": partition.le,
            "origins": partition.origins,
            "origin_coords": partition.origin_coords.tolist(),
            "n_visible": partition.n_visible,
            "n_env": partition.n_env,
        },
        **groups,
    }


def _jsonable(value: Any) -> Any:
    """Tuples to lists and numpy scalars to Python scalars, recursively."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _write(
    out: Path,
    sample_set: store.SampleSet,
    partition: Partition,
    config: TrainConfig,
    result: EnsembleResult,
    components: int,
    first_run: int,
    seed: int,
) -> None:
    """Write the runs store (layout in the module docstring) under a temporary name."""
    runs, rows = result.filters.shape[:2]
    params = _params(sample_set, partition, config, components, first_run, runs)
    seed_attr = {**store.seed_record(seed), "seeding": SEEDING}
    with store.building(out, "runs", params, seed_attr) as group:
        group.attrs.update(
            lattice=partition.lattice,
            v_shape=list(partition.v_shape),
            samples=str(sample_set.path),
            units="nats",
        )
        filters = result.filters.astype(np.float32).reshape(runs, rows, *partition.v_shape)
        v_dims = [f"v{axis}" for axis in range(len(partition.v_shape))]
        store.write_array(group, "filters", filters, ["run", "component", *v_dims])
        centre = result.v_centre.astype(np.float32).reshape(partition.v_shape)
        store.write_array(group, "v_centre", centre, v_dims)
        for name in ("rsmi", "rsmi_val", "rsmi_train"):
            values = getattr(result, name).astype(np.float32)
            store.write_array(group, name, values, ["run"], attrs={"units": "nats"})
        store.write_array(group, "best_epoch", result.best_epoch.astype(np.int32), ["run"])
        store.write_array(
            group,
            "history",
            result.history.astype(np.float32),
            ["run", "epoch", "part"],
            attrs={"units": "nats", "part": ["train", "val"]},
        )
        store.write_array(group, "tau", result.tau.astype(np.float32), ["step"])
        run_id = np.arange(first_run, first_run + runs, dtype=np.int64)
        store.write_array(group, "run_id", run_id, ["run"])
        store.write_array(group, "failed", result.failed.astype(bool), ["run"])
        store.write_array(group, "failed_epoch", result.failed_epoch.astype(np.int32), ["run"])


def _report(out: Path, result: EnsembleResult, seconds: float) -> None:
    """The one summary line: runs, mean / max test RSMI of the finished runs, failures, time."""
    ok = ~result.failed
    rsmi = result.rsmi[ok].astype(np.float64)
    values = (
        f"test RSMI mean {rsmi.mean():.4f} max {rsmi.max():.4f} nats"
        if rsmi.size
        else "no run finished"
    )
    failed = int((~ok).sum())
    progress.summary(
        "optimise", f"{len(ok)} runs, {values}, {failed} failed, {seconds:.1f} s -> {out}"
    )
