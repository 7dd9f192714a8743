"""An ensemble of RSMI-NE optimisations on one sample store, written as a runs store.

:func:`optimise_store` is what ``rsmine optimise`` runs: it validates every
input before any work, partitions the configurations into V / buffer / E
(:class:`rsmine.regions.Partition`), trains the replicas ``first_run ..
first_run + runs - 1`` as one batched ensemble (:func:`rsmine.train.train_ensemble`)
and writes the runs store of DESIGN.md under a temporary name, renamed into
place complete only when everything is written.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from rsmine import progress, store
from rsmine.errors import InputError
from rsmine.regions import Partition

BOUNDS = ("infonce", "nwj", "tuba", "dv")
DEVICES = ("cpu", "cuda", "auto")

# The paper's Tables I-II: 2-D Ising (used for every spin lattice) and the dimer grid.
_TABLE_DEFAULTS = {
    "spins": {"epochs": 30, "batch": 100, "lr": 5e-3},
    "dimer_grid": {"epochs": 50, "batch": 400, "lr": 5e-3},
}
DEFAULT_PATIENCE = 5
DEFAULT_BOUND = "infonce"


def table_defaults(lattice: str) -> dict[str, Any]:
    """Maximum epochs, minibatch size K and learning rate of the paper's Table II for a lattice."""
    return dict(_TABLE_DEFAULTS["dimer_grid" if lattice == "dimer_grid" else "spins"])


def _check_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise InputError(f"--{name} {value!r}: expected an integer >= {minimum}")
    return int(value)


def _check_scalars(
    runs: int,
    first_run: int,
    seed: int,
    components: int,
    origins: int,
    bound: str,
    device: str,
) -> None:
    """Validate the options that do not depend on the sample store."""
    _check_int("runs", runs, 1)
    _check_int("first-run", first_run, 0)
    _check_int("seed", seed, 0)
    _check_int("components", components, 1)
    _check_int("origins", origins, 1)
    if bound not in BOUNDS:
        raise InputError(f"--bound {bound!r}: expected one of {', '.join(BOUNDS)}")
    if device not in DEVICES:
        raise InputError(f"--device {device!r}: expected one of {', '.join(DEVICES)}")
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise InputError("--device cuda: no CUDA device is available (use cpu or auto)")


def _check_optimiser(epochs: int, patience: int, batch: int, lr: float) -> None:
    _check_int("epochs", epochs, 1)
    _check_int("patience", patience, 0)
    _check_int("batch", batch, 2)
    if not isinstance(lr, int | float) or not math.isfinite(lr) or lr <= 0:
        raise InputError(f"--lr {lr!r}: expected a finite learning rate > 0")


def _check_output(out: Path, samples: Path) -> None:
    """Refuse an output path that is the input or an existing non-runs directory."""
    if out.resolve() == samples.resolve():
        raise InputError(f"--out {out}: is the input sample store")
    if not out.exists():
        return
    if not (out / "zarr.json").is_file():
        raise InputError(f"--out {out}: exists and is not a Zarr store; refusing to replace it")
    found = store.open_store(out, complete=False).attrs.get("kind")
    if found != "runs":
        raise InputError(
            f"--out {out}: exists and is a {found!r} store, not a runs store; "
            "refusing to replace it"
        )


def _train_config(
    overrides: Mapping[str, Any],
    *,
    epochs: int,
    patience: int,
    batch: int,
    lr: float,
    bound: str,
    device: str,
):
    """The TrainConfig, with ``overrides`` checked against its field names."""
    from rsmine.train import TrainConfig

    names = {f.name for f in dataclasses.fields(TrainConfig)}
    fixed = {"epochs", "patience", "batch", "lr", "bound", "device"}
    unknown = sorted(set(overrides) - names) + sorted(set(overrides) & fixed)
    if unknown:
        raise InputError(
            f"train option(s) {unknown}: expected fields of rsmine.train.TrainConfig "
            f"other than {sorted(fixed)}"
        )
    try:
        return TrainConfig(
            epochs=epochs,
            patience=patience,
            batch=batch,
            lr=lr,
            bound=bound,
            device=device,
            **overrides,
        )
    except (TypeError, ValueError) as exc:
        raise InputError(f"train options: {exc}") from exc


def _check_split(samples: store.SampleSet, split: tuple[float, float, float], batch: int) -> None:
    """Every part of the train/val/test split over configurations must hold one minibatch."""
    from rsmine.train import split_sizes

    sizes = split_sizes(samples.n_samples, split)
    for part, size in zip(("training", "validation", "test"), sizes, strict=True):
        if size < batch:
            raise InputError(
                f"--batch {batch}: larger than the {part} part ({size} of the "
                f"{samples.n_samples} configurations of {samples.path}, split {split})"
            )


def optimise_store(
    samples: str | Path,
    out: str | Path,
    *,
    lv: int,
    lb: int,
    le: int,
    runs: int,
    seed: int,
    components: int = 1,
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
    lv, lb, le: side of V, buffer width, environment shell thickness (sites).
    Options left None take the paper's Table II values for the store's
    lattice (:func:`table_defaults`), patience ``DEFAULT_PATIENCE`` and bound
    ``DEFAULT_BOUND``. ``train_options`` sets further TrainConfig fields.
    Run k is seeded from (seed, k) alone. Every input is validated before any
    work; bad input raises :class:`InputError` and leaves nothing behind.
    Returns the path of the complete runs store.
    """
    started = time.perf_counter()
    samples, out = Path(samples), Path(out)
    bound = DEFAULT_BOUND if bound is None else bound
    _check_scalars(runs, first_run, seed, components, origins, bound, device)
    _check_output(out, samples)
    sample_set = store.read_samples(samples)
    defaults = table_defaults(sample_set.lattice)
    epochs = defaults["epochs"] if epochs is None else epochs
    batch = defaults["batch"] if batch is None else batch
    lr = defaults["lr"] if lr is None else lr
    patience = DEFAULT_PATIENCE if patience is None else patience
    _check_optimiser(epochs, patience, batch, lr)
    partition = Partition(
        sample_set.lattice,
        sample_set.shape,
        _check_int("lv", lv, 1),
        _check_int("lb", lb, 0),
        _check_int("le", le, 1),
        origins=origins,
        seed=seed,
        where=str(samples),
    )
    config = _train_config(
        dict(train_options or {}),
        epochs=epochs,
        patience=patience,
        batch=batch,
        lr=lr,
        bound=bound,
        device=device,
    )
    _check_split(sample_set, config.split, batch)
    result = _train(sample_set, partition, config, components, runs, first_run, seed)
    _write(out, sample_set, partition, config, result, components, first_run, seed)
    _report(out, result, time.perf_counter() - started)
    return out


def _train(sample_set, partition, config, components, runs, first_run, seed):
    from rsmine.train import train_ensemble

    v, e = partition.split(sample_set.configs)
    return train_ensemble(
        v,
        e,
        components=components,
        runs=runs,
        first_run=first_run,
        seed=seed,
        config=config,
        mask=partition.mask,
    )


def _params(sample_set, partition, config, components, first_run, runs) -> dict[str, Any]:
    """The full parameter record of a runs store (JSON-serialisable)."""
    return {
        "samples": str(sample_set.path),
        "n_samples": sample_set.n_samples,
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
            "n_free": int(partition.mask.sum()),
        },
        "components": components,
        "runs": runs,
        "first_run": first_run,
        "train": _jsonable(dataclasses.asdict(config)),
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _write(out, sample_set, partition, config, result, components, first_run, seed) -> None:
    runs = len(result.rsmi)
    params = _params(sample_set, partition, config, components, first_run, runs)
    with store.building(out, "runs", params, store.seed_record(seed)) as group:
        group.attrs.update(
            {
                "lattice": partition.lattice,
                "v_shape": list(partition.v_shape),
                "samples": str(sample_set.path),
                "units": "nats",
            }
        )
        filters = np.asarray(result.filters, dtype=np.float32)
        filters = filters.reshape(runs, components, *partition.v_shape)
        v_dims = [f"v{axis}" for axis in range(len(partition.v_shape))]
        store.write_array(group, "filters", filters, ["run", "component", *v_dims])
        for name in ("rsmi", "rsmi_val", "rsmi_train"):
            values = np.asarray(getattr(result, name), dtype=np.float32)
            store.write_array(group, name, values, ["run"], attrs={"units": "nats"})
        store.write_array(group, "best_epoch", np.asarray(result.best_epoch), ["run"])
        store.write_array(
            group,
            "history",
            np.asarray(result.history, dtype=np.float32),
            ["run", "epoch", "part"],
            attrs={"units": "nats", "part": ["train", "val"]},
        )
        run_id = np.arange(first_run, first_run + runs, dtype=np.int64)
        store.write_array(group, "run_id", run_id, ["run"])
        store.write_array(group, "failed", np.asarray(result.failed, dtype=bool), ["run"])
        store.write_array(group, "failed_epoch", np.asarray(result.failed_epoch), ["run"])


def _report(out: Path, result, seconds: float) -> None:
    rsmi = np.asarray(result.rsmi, dtype=np.float64)
    ok = ~np.asarray(result.failed, dtype=bool)
    if ok.any():
        values = f"RSMI mean {rsmi[ok].mean():.4f} max {rsmi[ok].max():.4f} nats (test part)"
    else:
        values = "no run finished"
    progress.summary(
        "optimise",
        f"{len(rsmi)} runs, {values}, {int((~ok).sum())} failed, {seconds:.1f} s -> {out}",
    )
