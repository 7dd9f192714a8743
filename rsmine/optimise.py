"""An ensemble of RSMI-NE optimisations on one sample store, written as a runs store.

:func:`optimise_store` is what ``rsmine optimise`` runs: it validates every
input before any work, partitions the configurations into V / buffer / E
(:class:`rsmine.estimator.regions.Partition`), trains runs ``first_run .. first_run +
runs - 1`` as one replica batch (:func:`rsmine.estimator.train.train_windows`)
and writes the runs store of DESIGN.md under a temporary name, renamed into
place complete only when everything is written.

Runs store written here (R runs, C filter rows, V of shape ``v_shape``):

- ``filters`` (run, component, v0[, v1, v2]) float32; C = components (times
  q for the categorical embedding); weights outside ``mask`` are zero;
- ``rsmi`` (run,) float32 nats: the bound of the hard H that ``rsmine
  coarse-grain`` writes, scored with the whole test part as one candidate set
  (K = test configurations, attr ``evaluation.candidates``), never used for any
  decision; ``rsmi_se`` (run,) its standard error (per-configuration terms of
  the bound, attr ``evaluation.standard_error``); ``rsmi_val`` likewise on the
  validation part (what selects epochs and best runs); ``rsmi_train`` on the
  training part with the same K; ``rsmi_sampled`` the training-time estimate
  on the test part (H sampled, minibatches of --batch), a diagnostic; NaN for
  failed runs;
- ``best_epoch`` (run,) int32; ``history`` (run, epoch, part) float32 nats,
  part = [train, val], NaN after a run stopped; ``tau`` (step,) float32 the
  Gumbel-softmax relaxation of every optimisation step;
- ``run_id`` (run,) int64; ``failed`` (run,) bool; ``failed_epoch`` (run,)
  int32, -1 when not failed; ``restarts`` (run,) int32, how often the run
  started again from the initial plateau (``--restarts``);
- ``v_centre``, ``v_scale`` (v0[, v1, v2]) float32: the training part's mean μ
  and standard deviation σ of each visible site; H is computed from Λ·(v − μ)/σ
  (μ = 0 with --centre off, σ = 1 with --standardise off);
- ``e_centre``, ``e_scale`` (env,) float32: the same for the environment sites
  the critic reads (in the partition's E order), 0 and 1 with --standardise off;
- ``e_whiten`` (env, env_out) float32, with --whiten only: the critic reads
  (e − e_centre) @ e_whiten (e_scale 1).

Root attrs: ``params`` = {samples, n_samples, runs, first_run, region,
coarse_grainer, critic, optimiser, split, evaluation}, ``seed`` (entropy and how runs are
seeded), ``lattice``, ``v_shape``, ``samples`` (the input store path),
``units`` ("nats"), ``references`` with --references (:mod:`rsmine.references`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from rsmine import integrity, memory, progress, stores, systems
from rsmine.errors import InputError
from rsmine.estimator import critics
from rsmine.estimator.regions import Partition
from rsmine.estimator.train import BatchResult, TrainConfig, resolve_device, train_windows
from rsmine.estimator.train.checkpoint import Checkpoint
from rsmine.estimator.train.config import (
    EXAMPLES_PER_PARAMETER,
    MAX_AUTO_ORIGINS,
    options,
)
from rsmine.estimator.train.parts import part_sizes
from rsmine.references import scored_references

_ATTR_GROUPS = {
    "coarse_grainer": (
        "embedding",
        "states",
        "tau_max",
        "tau_min",
        "anneal_rate",
        "centre",
        "scale_v",
        "standardise",
        "whiten",
    ),
    "critic": ("bound", "hidden", "embed"),
    "split": ("split",),
}
EVALUATION_SE = (
    "standard deviation / sqrt(n) of the per-configuration terms of the bound (averaged over "
    "origins), configurations treated as independent"
)
SEEDING = (
    "run k: numpy SeedSequence(entropy, spawn_key=(k,)); train/val/test split, "
    "minibatch order and origin picks: SeedSequence(entropy); V origins: default_rng(entropy)"
)


def _check_int(option: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise InputError(f"--{option} {value!r}: expected an integer >= {minimum}")
    return int(value)


def _given(given: Mapping[str, Any]) -> dict[str, Any]:
    """The options given (None: not given), lists as tuples; unknown names refused."""
    unknown = sorted(set(given) - set(options()))
    if unknown:
        raise InputError(f"option(s) {unknown}: expected some of {list(options())}")
    return {k: tuple(v) if isinstance(v, list) else v for k, v in given.items() if v is not None}


def _train_config(values: Mapping[str, Any]) -> TrainConfig:
    """TrainConfig from option ``values`` (TrainConfig fields)."""
    try:
        return TrainConfig(**values)
    except InputError as exc:
        raise InputError(f"training options: {exc}") from exc
    except (TypeError, ValueError) as exc:
        raise InputError(f"training options {dict(values)}: {exc}") from exc


def translation_invariant(sample_set: stores.SampleSet) -> bool:
    """True if the store declares ``periodic: true`` or was written by one of rsmine's
    periodic samplers (attr ``model`` or ``params.model`` in ``systems.PERIODIC_MODELS``)."""
    attrs = sample_set.attrs
    params = attrs.get("params") if isinstance(attrs.get("params"), Mapping) else {}
    return attrs.get("periodic") is True or attrs.get("model", params.get("model")) in (
        systems.PERIODIC_MODELS
    )


def auto_origins(
    sample_set: stores.SampleSet, partition: Partition, config: TrainConfig, components: int
) -> int:
    """The V origins of ``--origins auto``: 1 unless the store is translation invariant, else
    ceil(EXAMPLES_PER_PARAMETER x critic parameters / training configurations), at most
    MAX_AUTO_ORIGINS and the lattice's V positions (the rule and its measurements:
    train.config). Memory does not bound it: windows are gathered per minibatch."""
    if not translation_invariant(sample_set):
        return 1
    states = config.states if config.embedding == "categorical" else 1
    n_params = critics.n_parameters(components * states, config.critic)
    n_params += critics.n_parameters(partition.n_env, config.critic)
    n_train = part_sizes(sample_set.n_samples, config.split)[0]
    wanted = math.ceil(EXAMPLES_PER_PARAMETER * n_params / n_train)
    largest = min(MAX_AUTO_ORIGINS, partition.n_positions())
    return max(1, min(wanted, largest))


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
    resume: bool = False,
    **given: Any,
) -> Path:
    """Train runs ``first_run .. first_run + runs - 1`` on a sample store; write a runs store.

    samples: a complete sample store (``configs`` (sample, *lattice)).
    out: the runs store to write (replaced if it is an existing runs store).
    lv, lb, le: side of V, buffer width, environment shell thickness (sites;
    grid units on the dimer grid). ``given``: any of the declared options
    (:func:`rsmine.estimator.train.options`: ``origins`` and every TrainConfig
    field); those not given (or None) take the declared defaults, or the paper's
    values for the store's lattice (:func:`rsmine.systems.training_defaults`).
    Run k is seeded from (seed, k) alone. Every input is validated before any
    work; bad input raises :class:`InputError` and leaves nothing behind.
    The training state is checkpointed after every epoch (:func:`checkpoint_path`); a
    checkpoint of the same settings and input is continued from, to the same result as an
    uninterrupted run; ``resume`` refuses to start without one.
    Returns the path of the complete runs store.
    """
    started = time.perf_counter()
    samples, out = Path(samples), Path(out)
    runs = _check_int("runs", runs, 1)
    first_run = _check_int("first-run", first_run, 0)
    seed = _check_int("seed", seed, 0)
    given = _given(given)
    stores.check_output(out, "runs", inputs=(samples,))
    sample_set = stores.read_samples(samples)
    values = {k: d for k, (d, _) in options().items()}
    values |= systems.training_defaults(sample_set.lattice) | given
    default_components = values.pop("components")
    components = default_components if components is None else components
    components = _check_int("components", components, 1)
    asked = values.pop("origins")
    with_references = values.pop("references")
    if asked != "auto":
        _check_int("origins", asked, 1)
    config = _train_config(values)
    window = (sample_set.lattice, sample_set.shape, lv, lb, le)
    partition = Partition(*window, seed=seed, where=str(samples))
    origins = auto_origins(sample_set, partition, config, components) if asked == "auto" else asked
    if origins > 1:
        partition = Partition(*window, origins=origins, seed=seed, where=str(samples))
    params = _params(
        sample_set, partition, asked, config, components, first_run, runs, with_references
    )
    checkpoint = Checkpoint(checkpoint_path(out), _identity(params, seed, sample_set))
    continued = checkpoint.epoch()
    if resume and continued is None:
        raise InputError(
            f"--resume: no checkpoint of these settings at {checkpoint.path} "
            "(drop --resume to start afresh)"
        )
    _require_memory(sample_set, partition, config, components, runs)
    windows = partition.windows(sample_set.configs)
    try:  # train_windows validates its inputs (device, part sizes) before any work
        result = train_windows(
            windows,
            components=components,
            runs=runs,
            first_run=first_run,
            seed=seed,
            config=config,
            mask=partition.mask,
            checkpoint=checkpoint,
        )
        references = (
            scored_references(sample_set.attrs, partition, windows, seed=seed, config=config)
            if with_references
            else None
        )
    except InputError as exc:
        raise InputError(f"{samples}: {exc}") from exc
    _write(out, params, partition, result, first_run, seed, references)
    checkpoint.discard()
    _report(out, result, time.perf_counter() - started, continued)
    return out


def _require_memory(
    sample_set: stores.SampleSet,
    partition: Partition,
    config: TrainConfig,
    components: int,
    runs: int,
) -> None:
    """Refuse (naming --runs) a batch whose replica state and data cannot fit in memory: per run
    five or six copies of the parameters (values, best, two Adam moments, gradients, the
    moving average), the fixed evaluation noise and an epoch's training noise; once, the
    configurations (the windows are gathered from them per minibatch). With --whiten, E's
    covariance (refused naming --le)."""
    rows = components * (config.states if config.embedding == "categorical" else 1)
    n_params = critics.n_parameters(rows, config.critic)
    n_params += critics.n_parameters(partition.n_env, config.critic) + rows * partition.n_visible
    noise = (partition.origins + 1) * sample_set.n_samples * rows
    copies = 5 + (config.average > 0)
    per_run = 4 * (copies * n_params + noise + 2 * config.epochs)
    data = 4 * sample_set.configs.size  # at most float32
    memory.require_fits(
        "--runs",
        runs,
        runs * per_run + data,
        f"the state of {runs} runs ({per_run / 2**20:.2f} MiB each) and the data",
        "split the ensemble into jobs of fewer runs (--runs with --first-run)",
    )
    if config.whiten:  # E's covariance, its eigenvectors and the product, float64
        memory.require_fits(
            "--le",
            partition.le,
            3 * 8 * partition.n_env**2,
            f"whitening E ({partition.n_env} sites, --whiten)",
            "use a smaller --le or --whiten false",
        )


def checkpoint_path(out: str | Path) -> Path:
    """The training checkpoint of runs store ``out``: ``.<name>.checkpoint.npz`` beside it,
    kept when a run is interrupted and removed once the store is written."""
    out = Path(out)
    return out.with_name(f".{out.name}.checkpoint.npz")


def _identity(params: Mapping[str, Any], seed: int, sample_set: stores.SampleSet) -> str:
    """What a checkpoint must match to be continued: the settings, the seed, and the input
    store's creation time and manifest."""
    attrs = sample_set.attrs
    source = json.dumps([attrs.get("created"), attrs.get(integrity.ATTR)], sort_keys=True)
    return json.dumps(
        {"params": params, "seed": seed, "samples": hashlib.sha256(source.encode()).hexdigest()},
        sort_keys=True,
    )


def _params(
    sample_set: stores.SampleSet,
    partition: Partition,
    asked: int | str,
    config: TrainConfig,
    components: int,
    first_run: int,
    runs: int,
    references: bool = False,
) -> dict[str, Any]:
    """The full parameter record of a runs store (JSON-serialisable); ``asked``: the origins
    option (an integer or "auto"), beside the origins used."""
    fields = _jsonable(dataclasses.asdict(config))
    groups = {name: {k: fields.pop(k) for k in keys} for name, keys in _ATTR_GROUPS.items()}
    groups["coarse_grainer"].update(components=components, n_free=int(partition.mask.sum()))
    groups["optimiser"] = {**fields, "device_used": resolve_device(config.device).type}
    groups["optimiser"]["references"] = references
    groups["evaluation"] = {
        "h": "hard (rsmine coarse-grain --noise none)",
        "candidates": part_sizes(sample_set.n_samples, config.split)[2],
        "standard_error": EVALUATION_SE,
        "sampled": "rsmi_sampled: H sampled, minibatches of K = batch (training-time estimate)",
    }
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
            "origins_asked": asked if asked == "auto" else int(asked),
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
    params: dict[str, Any],
    partition: Partition,
    result: BatchResult,
    first_run: int,
    seed: int,
    references: list[dict[str, Any]] | None = None,
) -> None:
    """Write the runs store (layout in the module docstring) under a temporary name;
    ``references``: the attr of that name, if scored."""
    runs, rows = result.filters.shape[:2]
    seed_attr = {**stores.seed_record(seed), "seeding": SEEDING}
    with stores.building(out, "runs", params, seed_attr) as group:
        group.attrs.update(
            lattice=partition.lattice,
            v_shape=list(partition.v_shape),
            samples=params["samples"],
            units="nats",
        )
        if references is not None:
            group.attrs["references"] = references
        filters = result.filters.astype(np.float32).reshape(runs, rows, *partition.v_shape)
        v_dims = [f"v{axis}" for axis in range(len(partition.v_shape))]
        stores.write_array(group, "filters", filters, ["run", "component", *v_dims])
        for name, values in result.inputs.items():
            shape, dims = (
                (partition.v_shape, v_dims)
                if name[0] == "v"
                else (values.shape, ["env", "env_out"][: values.ndim])
            )
            stores.write_array(group, name, values.astype(np.float32).reshape(shape), dims)
        for name in ("rsmi", "rsmi_se", "rsmi_val", "rsmi_train", "rsmi_sampled"):
            values = getattr(result, name).astype(np.float32)
            stores.write_array(group, name, values, ["run"], attrs={"units": "nats"})
        stores.write_array(group, "best_epoch", result.best_epoch.astype(np.int32), ["run"])
        stores.write_array(
            group,
            "history",
            result.history.astype(np.float32),
            ["run", "epoch", "part"],
            attrs={"units": "nats", "part": ["train", "val"]},
        )
        stores.write_array(group, "tau", result.tau.astype(np.float32), ["step"])
        run_id = np.arange(first_run, first_run + runs, dtype=np.int64)
        stores.write_array(group, "run_id", run_id, ["run"])
        stores.write_array(group, "failed", result.failed.astype(bool), ["run"])
        stores.write_array(group, "failed_epoch", result.failed_epoch.astype(np.int32), ["run"])
        stores.write_array(group, "restarts", result.restarts.astype(np.int32), ["run"])


def _report(out: Path, result: BatchResult, seconds: float, continued: int | None) -> None:
    """The one summary line: runs, mean test RSMI of the finished runs and the test RSMI (with
    its standard error) of the validation-best one, failures, time, and the epoch a checkpoint
    was continued from."""
    ok = ~result.failed
    rsmi = result.rsmi[ok].astype(np.float64)
    values = "no run finished"
    if rsmi.size:
        best = int(np.argmax(result.rsmi_val[ok]))  # chosen on validation, never on test
        values = (
            f"test RSMI mean {rsmi.mean():.4f}, validation-best run "
            f"{rsmi[best]:.4f} ± {result.rsmi_se[ok][best]:.4f} nats"
        )
    failed = int((~ok).sum())
    resumed = "" if continued is None else f", continued after epoch {continued}"
    progress.summary(
        "optimise",
        f"{len(ok)} runs, {values}, {failed} failed, {seconds:.1f} s{resumed} -> {out}",
    )
