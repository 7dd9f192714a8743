"""Samples stores: configurations (sample, *lattice) and per-sample observables.

The reader accepts any store that follows docs/stores.md, written by rsmine's
samplers or by a user; the samplers write with :func:`rsmine.stores.building`
or :func:`rsmine.stores.create`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rsmine.errors import InputError
from rsmine.estimator import lattices
from rsmine.stores.directory import SEE, open_store


@dataclass
class SampleSet:
    """A validated sample store, loaded into memory.

    configs: (sample, *lattice) integer or float array.
    lattice: one of ``rsmine.estimator.lattices.KINDS``; ``dimer_grid`` is the (2n, 2n)
    bond grid of docs/stores.md.
    observables: per-sample arrays (sample,) present in the store.
    """

    path: Path
    configs: np.ndarray
    lattice: str
    attrs: dict[str, Any] = field(default_factory=dict)
    observables: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        return int(self.configs.shape[0])

    @property
    def shape(self) -> tuple[int, ...]:
        """The lattice shape of one configuration."""
        return tuple(int(s) for s in self.configs.shape[1:])


def _lattice_of(path: Path, attrs: Mapping[str, Any], configs: np.ndarray) -> str:
    params = attrs.get("params")
    lattice = attrs.get("lattice") or (
        params.get("lattice") if isinstance(params, Mapping) else None
    )
    ndim = configs.ndim - 1
    if lattice is None:
        if lattices.site_lattice(ndim) is None:
            raise InputError(
                f"{path}: 'configs' has {configs.ndim} axes; expected (sample, L), "
                f"(sample, L, L) or (sample, L, L, L); {SEE}"
            )
        return lattices.SITES[ndim]
    if lattice not in lattices.KINDS:
        raise InputError(
            f"{path}: attr 'lattice' is {lattice!r}, expected one of {lattices.KINDS}; {SEE}"
        )
    expected_ndim = lattices.NDIM[lattice]
    if ndim != expected_ndim:
        raise InputError(
            f"{path}: attr 'lattice' is {lattice!r} but 'configs' has {ndim} lattice axes "
            f"(expected {expected_ndim}); {SEE}"
        )
    if lattice == lattices.DIMER_GRID and (
        configs.shape[1] % 2 or configs.shape[1] != configs.shape[2]
    ):
        raise InputError(
            f"{path}: a dimer bond grid must be square with an even side, got "
            f"{configs.shape[1:]}; {SEE}"
        )
    return lattice


def read_samples(path: str | Path, observables: Sequence[str] = ()) -> SampleSet:
    """Load and validate a complete sample store.

    Accepts any store that follows docs/stores.md: a complete Zarr v3 group with a
    ``configs`` array of shape (sample, *lattice), numeric and finite.
    """
    path = Path(path)
    group = open_store(path, "samples")
    if "configs" not in group.array_keys():
        raise InputError(
            f"{path}: no 'configs' array (expected configs with axes (sample, ...)); {SEE}"
        )
    configs = np.asarray(group["configs"][...])
    if configs.ndim < 2:
        raise InputError(
            f"{path}: 'configs' has shape {configs.shape}; expected (sample, *lattice); {SEE}"
        )
    if configs.shape[0] < 1:
        raise InputError(f"{path}: 'configs' holds no samples")
    if not (np.issubdtype(configs.dtype, np.integer) or np.issubdtype(configs.dtype, np.floating)):
        raise InputError(
            f"{path}: 'configs' has dtype {configs.dtype}; expected integers or floats; {SEE}"
        )
    if np.issubdtype(configs.dtype, np.floating) and not np.isfinite(configs).all():
        raise InputError(f"{path}: 'configs' holds non-finite values (NaN or inf)")
    attrs = dict(group.attrs)
    lattice = _lattice_of(path, attrs, configs)
    found = {}
    for name in observables:
        if name not in group.array_keys():
            raise InputError(f"{path}: no per-sample array {name!r}; {SEE}")
        found[name] = np.asarray(group[name][...])
    return SampleSet(path, configs, lattice, attrs, found)
