"""Apply a learned coarse-graining Λ to every sample: ``rsmine coarse-grain``.

One run's filters (from a runs or ensemble store) are applied on the tiling of each
configuration by disjoint visible blocks of side lv (stride lv, first block at the origin),
exactly as the estimate sees them: x = Λ·(v − μ)/σ with μ, σ the run's ``v_centre`` and
``v_scale`` (training-part statistics), and H by default the deterministic variable that the
reported RSMI is scored on (:func:`rsmine.estimator.coarse.hard`, ``noise="none"``): binary
h = sign(x), categorical the arg-max, continuous x itself; or H drawn as during training
(:func:`rsmine.estimator.coarse.discrete`, ``noise="logistic"``): h = sign(x + L) with
logistic noise L, the Gumbel-max state.

The coarse-grained sample store (kind ``samples``, readable by :func:`stores.read_samples`
and ``rsmine optimise``) holds, for an input lattice of side L and B = L/lv blocks per axis:

- ``components`` (sample, component, *B-lattice): binary ±1 int8, categorical state
  0..q−1 int8, or continuous x float32, one entry per filter component;
- ``configs`` (sample, *B-lattice): the component itself when there is one, else the
  integer code Σ_c base^c·s_c with s_c = (h_c + 1)/2 (binary, base 2) or the state
  (categorical, base q); refused for several continuous components;
- every per-sample (sample,) array of the input store, copied.

Root attrs: ``lattice`` (chain | square | cubic; a dimer bond grid coarse-grains to a
square lattice of blocks), ``params`` = {model: "coarse_grained", source_model, filters,
run, run_index, samples, lv, stride, blocks, embedding, states, components, noise, code_base}.
``--stride`` below lv gives B = L/stride overlapping blocks per axis instead.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rsmine import progress, stores
from rsmine.errors import InputError
from rsmine.estimator import coarse, lattices
from rsmine.stores.runs import Runs, load_runs

NOISES = ("logistic", "none")
CHUNK = 1000
"""Samples coarse-grained at a time (bounds the memory of the (block, filter, site) products)."""


@dataclass(frozen=True)
class LearnedFilter:
    """One run's coarse-grainer, read from a runs or ensemble store.

    filters: (F, *v_shape) float32, F = components (times q when categorical);
    centre, scale: (*v_shape) float32, the μ and σ of H = τ(Λ·(v − μ)/σ); run_id: the run's
    id; index: its row in the store; region: the runs store's params.region (lv, lb, le,
    origins) or {}.
    """

    path: Path
    filters: np.ndarray
    centre: np.ndarray
    scale: np.ndarray
    lattice: str
    run_id: int
    index: int
    embedding: str
    states: int
    params: dict[str, Any]

    @property
    def components(self) -> int:
        return self.filters.shape[0] // coarse.filters_per_component(self.embedding, self.states)

    @property
    def lv(self) -> int:
        return int(self.filters.shape[1])


def read_filter(path: str | Path, run: int | str) -> LearnedFilter:
    """Run ``run`` (a run id, or ``"best"``: the highest validation RSMI) of a runs store.

    An ensemble store is accepted too when its run ids are unique (one point and lb).
    """
    path = Path(path)
    runs = load_runs(path, None, ("filters", "run_id", "failed", "rsmi_val"), "--filters ")
    run_ids = runs["run_id"]
    if len(np.unique(run_ids)) != len(run_ids):
        raise InputError(
            f"--filters {path}: run ids repeat (an ensemble of several points or lb); "
            "give the runs store of one point and lb"
        )
    index = _run_index(path, run, run_ids, runs.failed, runs["rsmi_val"])
    filters = runs["filters"][index].astype(np.float32)
    centre, scale = (_input_statistic(runs, name, index, filters) for name in STATISTICS)
    params = runs.params
    grainer = params.get("coarse_grainer") or {}
    return LearnedFilter(
        path=path,
        filters=filters,
        centre=centre,
        scale=scale,
        lattice=runs.lattice,
        run_id=int(run_ids[index]),
        index=int(index),
        embedding=str(grainer.get("embedding", "binary")),
        states=int(grainer.get("states", 2)),
        params=params,
    )


# a runs store's per-site statistics of V and their values where a store lacks them
STATISTICS = {"v_centre": 0.0, "v_scale": 1.0}


def _input_statistic(runs: Runs, name: str, index: int, filters: np.ndarray) -> np.ndarray:
    """Run ``index``'s ``name`` (*v_shape) float32 (per run in :class:`Runs`), or its
    neutral value where the store lacks it."""
    if name not in runs:
        return np.full(filters.shape[1:], STATISTICS[name], np.float32)
    return runs[name][index].astype(np.float32)


def _run_index(path, run, run_ids, failed, rsmi_val) -> int:
    if run == "best":
        if failed.all():
            raise InputError(f"--filters {path}: every run failed; no best run")
        return int(np.nanargmax(np.where(failed, -np.inf, rsmi_val)))
    try:
        run = int(run)
    except (TypeError, ValueError) as exc:
        raise InputError(f"--run {run!r}: expected a run id or 'best'") from exc
    found = np.flatnonzero(run_ids == run)
    if found.size == 0:
        raise InputError(f"--run {run}: not in {path} (run ids {run_ids.min()}..{run_ids.max()})")
    if failed[found[0]]:
        raise InputError(f"--run {run}: failed in {path}; its filters are undefined")
    return int(found[0])


def tiles(configs: np.ndarray, lv: int, stride: int | None = None) -> np.ndarray:
    """Visible blocks of side lv starting every ``stride`` sites along each axis (default lv:
    the disjoint tiling; a smaller stride: overlapping blocks, the lattice periodic):
    (N, *B, lv**d) float32 of configs (N, *L), B = L/stride.

    Each block is flattened row-major like V of :class:`rsmine.estimator.regions.Partition`.
    """
    configs = np.asarray(configs)
    shape = configs.shape[1:]
    stride = lv if stride is None else stride
    if stride < 1 or any(side % stride for side in shape):
        raise InputError(f"stride {stride} does not divide the lattice shape {shape}")
    if stride == lv:
        d = len(shape)
        blocks = [side // lv for side in shape]
        split = configs.reshape(configs.shape[0], *[x for b in blocks for x in (b, lv)])
        order = [0, *range(1, 2 * d, 2), *range(2, 2 * d + 1, 2)]
        return split.transpose(order).reshape(configs.shape[0], *blocks, lv**d).astype(np.float32)
    return _periodic_blocks(configs, lv, stride)


def _periodic_blocks(configs: np.ndarray, lv: int, stride: int) -> np.ndarray:
    """:func:`tiles` at a stride other than lv: every block gathered by periodic indices."""
    shape = configs.shape[1:]
    d = len(shape)
    index = []
    for axis, side in enumerate(shape):
        starts = np.arange(side // stride) * stride
        grid = (starts[:, None] + np.arange(lv)[None, :]) % side  # (B_a, lv)
        view = [1] * (2 * d)
        view[axis], view[d + axis] = grid.shape
        index.append(grid.reshape(view))
    blocks = configs[(slice(None), *index)]  # (N, *B, *[lv] * d)
    return blocks.reshape(*blocks.shape[: d + 1], lv**d).astype(np.float32)


def coarse_variables(
    blocks: np.ndarray,
    learned: LearnedFilter,
    generator: torch.Generator | None,
) -> np.ndarray:
    """H of every block: blocks (..., n_visible) -> (..., C).

    x = Λ·(v − μ)/σ; binary ±1, categorical state index, continuous x (float32). Without
    ``generator`` the deterministic H (:func:`rsmine.estimator.coarse.hard`), with it the
    training-time noise added (logistic / Gumbel).
    """
    lead = blocks.shape[:-1]
    flat = blocks.reshape(-1, blocks.shape[-1])
    v = torch.as_tensor((flat - learned.centre.reshape(-1)) / learned.scale.reshape(-1))
    filters = torch.as_tensor(learned.filters.reshape(1, learned.filters.shape[0], -1))
    x = coarse.logits(filters, v, None)
    if generator is None:
        h = coarse.hard(x, learned.embedding, learned.states)[0]
    else:
        eps = coarse.noise(generator, tuple(x.shape), learned.embedding, torch.device("cpu"))
        h = coarse.discrete(x, eps, learned.embedding, learned.states)[0]
    if learned.embedding == "categorical":
        h = h.unflatten(-1, (learned.components, learned.states)).argmax(-1)
        return h.numpy().astype(np.int8).reshape(*lead, learned.components)
    if learned.embedding == "binary":
        return h.numpy().astype(np.int8).reshape(*lead, learned.components)
    return h.numpy().astype(np.float32).reshape(*lead, learned.components)


def _check_output(out: Path, samples: Path, filters: Path) -> None:
    """:func:`rsmine.stores.check_output`, and of sample stores only a coarse-grained one may be
    replaced (never a sampler's store)."""
    stores.check_output(out, "samples", inputs=(samples, filters))
    if not out.exists() or not (out / "zarr.json").is_file():
        return
    params = stores.open_store(out, complete=False).attrs.get("params") or {}
    if not isinstance(params, dict) or params.get("model") != "coarse_grained":
        raise InputError(
            f"output {out}: is a sample store that was not coarse-grained; refusing to replace it"
        )


def coarse_grain_store(
    filters: str | Path,
    samples: str | Path,
    out: str | Path,
    *,
    run: int | str = "best",
    seed: int = 0,
    noise: str = "none",
    stride: int | None = None,
) -> Path:
    """Coarse-grain every configuration of ``samples`` with run ``run`` of ``filters``.

    ``stride``: sites between the origins of neighbouring blocks (default lv: the disjoint
    tiling, one H per block, a coarse-grained configuration; smaller: overlapping blocks at
    every stride, for correlations resolved finer than a block — not a renormalisation step).

    Writes the sample store ``out`` (layout in the module docstring); ``seed`` seeds the
    logistic / Gumbel noise (``noise="logistic"``; the default ``"none"`` writes the hard H
    the reported RSMI is scored on); all input is checked before any work.
    Returns the path of the complete store.
    """
    started = time.perf_counter()
    filters, samples, out = Path(filters), Path(samples), Path(out)
    if noise not in NOISES:
        raise InputError(f"--noise {noise!r}: expected one of {NOISES}")
    _check_output(out, samples, filters)
    learned = read_filter(filters, run)
    sample_set = stores.read_samples(samples)
    if learned.lattice and learned.lattice != sample_set.lattice:
        raise InputError(
            f"--filters {filters} was trained on a {learned.lattice!r} lattice but "
            f"--samples {samples} holds a {sample_set.lattice!r} lattice"
        )
    if learned.filters.ndim - 1 != len(sample_set.shape):
        raise InputError(
            f"filters of shape {learned.filters.shape[1:]} do not match the "
            f"{sample_set.shape} lattice of {samples}"
        )
    if learned.embedding == "continuous" and learned.components > 1:
        raise InputError(
            f"--filters {filters}: {learned.components} continuous components have no "
            "single-valued configuration code"
        )
    stride = _check_stride(stride, learned, sample_set.lattice)
    tiles(sample_set.configs[:1], learned.lv, stride)  # refuse what does not tile, up front
    generator = None
    if noise == "logistic":
        generator = torch.Generator().manual_seed(
            int(np.random.SeedSequence(seed).generate_state(1, np.uint64)[0])
        )
    h = np.concatenate(
        [
            coarse_variables(
                tiles(sample_set.configs[a : a + CHUNK], learned.lv, stride), learned, generator
            )
            for a in range(0, sample_set.n_samples, CHUNK)
        ]
    )
    components = np.moveaxis(h, -1, 1)
    base = learned.states if learned.embedding == "categorical" else 2
    configs = _code(components, learned.embedding, base)
    _write(out, sample_set, learned, components, configs, noise, base, seed, stride)
    progress.summary(
        "coarse-grain",
        f"{sample_set.n_samples} samples {sample_set.shape} -> {configs.shape[1:]} with run "
        f"{learned.run_id} of {filters}, {time.perf_counter() - started:.1f} s -> {out}",
    )
    return out


def _code(components: np.ndarray, embedding: str, base: int) -> np.ndarray:
    """configs (N, *B) of components (N, C, *B): the component, or the base-``base`` code."""
    if components.shape[1] == 1:
        return components[:, 0]
    states = (components + 1) // 2 if embedding == "binary" else components
    weights = base ** np.arange(components.shape[1])
    code = np.tensordot(weights, states.astype(np.int64), axes=([0], [1]))
    return code.astype(np.int8 if base ** components.shape[1] <= 127 else np.int32)


def _check_stride(stride: int | None, learned: LearnedFilter, lattice: str) -> int:
    """The stride (default lv), refused unless a positive multiple of the lattice's step
    (2 on the dimer grid: windows start on vertices) not above lv."""
    stride = learned.lv if stride is None else stride
    unit = lattices.step(lattice)
    if not 1 <= stride <= learned.lv or stride % unit:
        raise InputError(
            f"--stride {stride}: expected a multiple of {unit} (the {lattice} lattice's step) "
            f"from {unit} to lv = {learned.lv}"
        )
    return stride


def _write(out, sample_set, learned, components, configs, noise, base, seed, stride) -> None:
    params = {
        "model": "coarse_grained",
        "source_model": (sample_set.attrs.get("params") or {}).get("model"),
        "filters": str(learned.path),
        "run": learned.run_id,
        "run_index": learned.index,
        "samples": str(sample_set.path),
        "lv": learned.lv,
        "stride": stride,
        "blocks": list(configs.shape[1:]),
        "embedding": learned.embedding,
        "states": learned.states,
        "components": learned.components,
        "noise": noise,
        "code_base": base,
    }
    lattice = lattices.SITES[configs.ndim - 1]
    axes = [f"b{axis}" for axis in range(configs.ndim - 1)]
    with stores.building(out, "samples", params, stores.seed_record(seed)) as group:
        group.attrs["lattice"] = lattice
        stores.write_array(group, "configs", configs, ["sample", *axes])
        stores.write_array(group, "components", components, ["sample", "component", *axes])
        source = stores.open_store(sample_set.path, "samples")
        for name in sorted(source.array_keys()):
            array = source[name]
            if name != "configs" and array.shape == (sample_set.n_samples,):
                stores.write_array(group, name, np.asarray(array[...]), ["sample"])


def _coarse_store(path: Path) -> Any:
    group = stores.open_store(path, "samples")
    params = group.attrs.get("params") or {}
    if params.get("model") != "coarse_grained" or "components" not in group.array_keys():
        raise InputError(f"{path}: not a coarse-grained sample store (rsmine coarse-grain)")
    return group


def read_components(path: str | Path) -> np.ndarray:
    """The ``components`` (sample, component, *B) of a complete coarse-grained sample store."""
    return np.asarray(_coarse_store(Path(path))["components"][...])


def block_spacing(path: str | Path) -> float:
    """Distance between neighbouring entries of a coarse-grained store, in blocks: stride / lv
    (1 for the disjoint tiling)."""
    params = _coarse_store(Path(path)).attrs["params"]
    return params.get("stride", params["lv"]) / params["lv"]
