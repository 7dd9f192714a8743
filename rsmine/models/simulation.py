"""What every sampler returns, and how its independent chains are seeded and sized.

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

from rsmine import store
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

    def write_store(
        self,
        out: str | Path,
        params: Mapping[str, Any],
        *,
        lattice: str,
        dims: Sequence[str],
        meanings: Mapping[str, str],
        timing: Sequence[str],
    ) -> None:
        """Write a complete sample store at ``out``.

        ``configs`` with dimension names ``dims`` (one chunk holds whole
        configurations), every observable as a (sample,) array; root attrs
        ``lattice``, ``params``, ``seed`` (``params["seed"]``), ``sampler`` (the
        statistics less the ``timing`` keys, so a store is bit-identical for a
        seed) and ``observables`` (what each one means).
        """
        chunks = (min(len(self.configs), max(1, 2**22 // self.configs[0].size)),)
        with store.building(out, "samples", params, store.seed_record(params["seed"])) as group:
            group.attrs.update(
                {
                    "lattice": lattice,
                    "sampler": {k: v for k, v in self.stats.items() if k not in timing},
                    "observables": dict(meanings),
                }
            )
            store.write_array(
                group, "configs", self.configs, dims, chunks=chunks + self.configs.shape[1:]
            )
            for name, values in self.observables.items():
                store.write_array(group, name, values, ("sample",))


@dataclass
class Chains:
    """The non-empty chains of a simulation: indices, sample counts, generators, spawn keys."""

    index: list[int]
    counts: list[int]
    rngs: list[np.random.Generator]
    spawn_keys: list[list[int]]

    @classmethod
    def spawn(cls, seed: int, chains: int, samples: int) -> Chains:
        children = np.random.SeedSequence(seed).spawn(chains)
        counts = [samples // chains + (c < samples % chains) for c in range(chains)]
        index = [c for c in range(chains) if counts[c] > 0]
        return cls(
            index,
            [counts[c] for c in index],
            [np.random.Generator(np.random.PCG64(children[c])) for c in index],
            [list(children[c].spawn_key) for c in index],
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
