"""The pieces every sampler shares: its result, chain seeding, parameter checks, the store writer.

Every model (:mod:`.ising`, :mod:`.chipping`, :mod:`.dimers`) has the same
parts: numba kernels that take their state (configuration, random stream, work
arrays) explicitly; a chain driver that owns thermalisation, thinning and
progress; ``validate`` (or ``resolve_run``) refusing bad parameters with
:class:`InputError` before any work, through :func:`require_int` and
:func:`require_real`; and ``simulate_store``, which writes the store through
:class:`SampleWriter` with the parameter record of :func:`parameter_record`.

A simulation of ``samples`` configurations runs ``chains`` independent Markov
chains, chain c seeded by child c of ``SeedSequence(seed).spawn(chains)``
and holding ⌊samples/chains⌋ (+1 for c < samples mod chains) samples; the
samples are stored chain after chain.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import zarr

from rsmine import memory, stores
from rsmine.errors import InputError


@dataclass
class Simulation:
    """Samples of one simulation.

    configs: (samples, *lattice) integer configurations.
    observables: per-sample (samples,) arrays, including int16 ``chain``.
    stats: sampler statistics (algorithm, τ_int, thinning, thermalisation, timing, …).
    """

    configs: np.ndarray
    observables: dict[str, np.ndarray]
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SampleWriter:
    """Writes a sample store: root attrs, ``configs`` (sample, *lattice), per-sample arrays.

    Root attrs: ``kind: "samples"``, ``params`` (:func:`parameter_record`),
    ``seed`` (``stores.seed_record(seed)``), ``lattice`` and the model's own attrs.
    Two modes, one layout:

    - :meth:`write` (one process): the whole :class:`Simulation` under a
      temporary name, renamed into place complete.
    - :meth:`create`, :meth:`open`, :meth:`write_chain`, :meth:`complete` (several
      MPI ranks, or resuming): rank 0 creates the store in place, incomplete, with
      empty arrays chunked one chain per chunk; every rank writes whole chunks of
      its own chains; rank 0 marks the store complete after a barrier.
    """

    out: Path
    params: Mapping[str, Any]
    seed: int
    lattice: str
    dims: tuple[str, ...]

    def _root_attrs(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        return {"lattice": self.lattice, **attrs}

    def write(
        self, sim: Simulation, meanings: Mapping[str, str], timing: Sequence[str] = ()
    ) -> None:
        """Write ``sim`` complete at ``out``: ``configs`` (chunks of whole configurations,
        ≤ 2²² sites each) and every observable as a (sample,) array; attrs ``sampler`` (the
        statistics less the ``timing`` keys, so a store is bit-identical for a seed) and
        ``observables`` (``meanings``: what each one is)."""
        configs = sim.configs
        chunks = (min(len(configs), max(1, 2**22 // configs[0].size)),)
        seed = stores.seed_record(self.seed)
        with stores.building(self.out, "samples", self.params, seed) as group:
            sampler = {k: v for k, v in sim.stats.items() if k not in timing}
            group.attrs.update(
                self._root_attrs({"sampler": sampler, "observables": dict(meanings)})
            )
            stores.write_array(
                group, "configs", configs, self.dims, chunks=chunks + configs.shape[1:]
            )
            for name, values in sim.observables.items():
                stores.write_array(group, name, values, ("sample",))

    def create(
        self,
        attrs: Mapping[str, Any],
        configs: tuple[tuple[int, ...], Any],
        per_sample: Mapping[str, Any],
        per_chain: Mapping[str, Any],
        *,
        chains: int,
        chain_samples: int,
    ) -> None:
        """Create the incomplete store in place with empty arrays, one chain per chunk.

        configs: (lattice shape, dtype) of one configuration; per_sample, per_chain:
        name → dtype of the (sample,) and (chain,) arrays.
        """
        group = stores.create(self.out, "samples", self.params, stores.seed_record(self.seed))
        group.attrs.update(self._root_attrs(attrs))
        shape, dtype = configs
        samples = chains * chain_samples
        stores.empty_array(
            group, "configs", (samples, *shape), dtype, self.dims, (chain_samples, *shape)
        )
        for name, kind in per_sample.items():
            stores.empty_array(group, name, (samples,), kind, ("sample",), (chain_samples,))
        for name, kind in per_chain.items():
            stores.empty_array(group, name, (chains,), kind, ("chain",), (1,))

    def open(self) -> zarr.Group:
        """The store made by :meth:`create`, complete or not, opened for writing."""
        return stores.open_store(self.out, "samples", complete=False)

    @staticmethod
    def write_chain(
        group: zarr.Group,
        chain: int,
        configs: np.ndarray,
        per_sample: Mapping[str, np.ndarray],
        per_chain: Mapping[str, Any],
    ) -> None:
        """Write chain ``chain`` into its whole chunks: configs (n, *lattice), the
        per-sample arrays (n,), then its per-chain values, in the given order (so a
        "done" flag given last is set only when everything else is written)."""
        rows = slice(chain * len(configs), (chain + 1) * len(configs))
        group["configs"][rows] = configs
        for name, values in per_sample.items():
            group[name][rows] = values
        for name, value in per_chain.items():
            group[name][chain] = value

    @staticmethod
    def complete(group: zarr.Group, attrs: Mapping[str, Any]) -> None:
        """Add the final attrs (statistics over all chains) and mark the store complete."""
        group.attrs.update(attrs)
        stores.mark_complete(group)


CHAIN_MEANING = "index of the Markov chain that produced the sample"
"""What the per-sample ``chain`` array of a store holds."""


def chain_rng(seed: int, chain: int) -> np.random.Generator:
    """The generator of chain ``chain``: PCG64 seeded by ``SeedSequence(seed, spawn_key=(chain,))``,
    which is child ``chain`` of ``SeedSequence(seed).spawn(…)``. A chain's stream depends on
    (seed, chain) alone, not on how many chains there are or which process runs it."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(chain,))))


@dataclass
class Chains:
    """The non-empty chains of a simulation: indices, sample counts, generators, spawn keys."""

    index: list[int]
    counts: list[int]
    rngs: list[np.random.Generator]
    spawn_keys: list[list[int]]

    @classmethod
    def spawn(cls, seed: int, chains: int, samples: int) -> Chains:
        """Chains 0…chains−1 sized for ``samples`` in all, each seeded by :func:`chain_rng`."""
        counts = [samples // chains + (c < samples % chains) for c in range(chains)]
        index = [c for c in range(chains) if counts[c] > 0]
        return cls(
            index,
            [counts[c] for c in index],
            [chain_rng(seed, c) for c in index],
            [[c] for c in index],
        )

    def labels(self) -> np.ndarray:
        """(samples,) int16 chain index of every stored sample."""
        return np.repeat(np.array(self.index, dtype=np.int16), self.counts)


def require_int(name: str, value: Any, low: int) -> None:
    """Refuse anything but an integer ≥ low (bools included) with :class:`InputError`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise InputError(f"{name} must be an integer >= {low}, got {value!r}")


def require_sizes(L: Any, samples: Any, chains: Any, seed: Any) -> None:
    """The checks every sampler shares: L ≥ 2, samples ≥ 1, chains ≥ 1, seed ≥ 0 (integers)."""
    for name, value, low in (("L", L, 2), ("samples", samples, 1), ("chains", chains, 1)):
        require_int(name, value, low)
    require_int("seed", seed, 0)


def require_memory(option: str, count: int, config_bytes: int, copies: int = 2) -> None:
    """Refuse (naming ``option``) ``count`` configurations of ``config_bytes`` bytes each that
    cannot fit ``copies`` times in the memory available (the chains' arrays, then the stored
    concatenation)."""
    memory.require_fits(
        option,
        count,
        copies * count * config_bytes,
        f"{count} configurations of {config_bytes} bytes",
        f"store fewer configurations per store ({option})",
    )


def require_real(name: str, value: Any, low: float, *, allow_inf: bool = False) -> None:
    """Refuse anything but a real number ≥ low (inf only if allowed) with :class:`InputError`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
        raise InputError(f"{name} must be a number, got {value!r}")
    if value < low:
        raise InputError(f"{name} must be >= {low}, got {value!r}")
    if math.isinf(value) and not allow_inf:
        raise InputError(f"{name} must be finite, got {value!r}")


def json_number(value: float) -> float | str:
    """A float for JSON attrs: ``inf`` as the string "inf"."""
    return "inf" if math.isinf(value) else float(value)


def parameter_record(model: str, **params: Any) -> dict[str, Any]:
    """The store's ``params`` attr: ``model``, then ``params`` in order, floats through
    :func:`json_number` (so T = inf is the string "inf"); other values as given."""
    return {
        "model": model,
        **{k: json_number(v) if isinstance(v, float) else v for k, v in params.items()},
    }
