"""The V / buffer / E partition of periodic lattice configurations.

For a visible block V of side ``lv`` whose first site is at ``origin``, the
buffer B is the ``lb`` sites on every side of V and the environment E the shell
of thickness ``le`` around the buffer, so the whole window has side
``lv + 2*lb + 2*le`` along every axis. Coordinates wrap periodically.

Lattices (:mod:`rsmine.estimator.lattices`): ``chain`` (1-D ring), ``square`` (2-D
torus), ``cubic`` (3-D torus) and ``dimer_grid``, the (2n, 2n) bond grid of
docs/stores.md. On the dimer grid all lengths are in grid units, V starts at an
even offset (so an ``lv`` of 8 covers 4x4 vertices and their 32 right/down
bonds), ``mask`` frees only the bond positions of V, and E holds only bond
positions (vertex and face cells are always empty and carry no information).

All index arithmetic is done once in ``__init__``. :meth:`Partition.windows` describes every
(configuration, origin) window by that arithmetic alone (:class:`Windows`: the stored values
and per-origin index arrays, no copy), for the trainer to gather a minibatch's windows when
it needs them; :meth:`Partition.split` materialises them all (one fancy-indexing gather).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from rsmine.errors import InputError
from rsmine.estimator import lattices
from rsmine.estimator.lattices import DIMER_GRID


def _offsets(side: int, ndim: int) -> np.ndarray:
    """All integer offsets of a hypercube of side ``side``: (side**ndim, ndim), row-major."""
    axes = np.meshgrid(*([np.arange(side)] * ndim), indexing="ij")
    return np.stack([a.ravel() for a in axes], axis=-1)


def _is_bond(coords: np.ndarray) -> np.ndarray:
    """On the dimer grid: True at bond positions (row + column odd). coords (..., 2)."""
    return coords.sum(axis=-1) % 2 == 1


class WindowIndex:
    """The sizes of windows addressed by index arrays ``v_index`` (O, n_visible) and
    ``e_index`` (O, n_env) (NumPy arrays or tensors)."""

    v_index: Any
    e_index: Any

    @property
    def origins(self) -> int:
        return self.v_index.shape[0]

    @property
    def n_visible(self) -> int:
        return self.v_index.shape[1]

    @property
    def n_env(self) -> int:
        return self.e_index.shape[1]


@dataclass(frozen=True)
class Windows(WindowIndex):
    """The V and E windows of N configurations at O origins, as stored values plus indices.

    Window (n, o), configuration n seen from V origin o, is ``v_source[n, v_index[o]]`` (V
    row-major) and ``e_source[n, e_index[o]]`` (E in row-major window order), read as float32.

    v_source: (N, S_v), e_source: (N, S_e) numeric (often one array: the flattened
    configurations); v_index: (O, n_visible), e_index: (O, n_env) int64 column indices.
    """

    v_source: np.ndarray
    v_index: np.ndarray
    e_source: np.ndarray
    e_index: np.ndarray

    @classmethod
    def of_arrays(cls, v: np.ndarray, e: np.ndarray) -> Windows:
        """Windows already materialised: v (N, O, n_visible), e (N, O, n_env)."""
        (n, origins, n_visible), n_env = v.shape, e.shape[2]
        return cls(
            v.reshape(n, origins * n_visible),
            np.arange(origins * n_visible, dtype=np.int64).reshape(origins, n_visible),
            e.reshape(e.shape[0], origins * n_env),
            np.arange(origins * n_env, dtype=np.int64).reshape(origins, n_env),
        )

    @property
    def n_configs(self) -> int:
        return self.v_source.shape[0]

    @property
    def v(self) -> WindowArray:
        """V of every window, (N, O, n_visible), materialised only where indexed."""
        return WindowArray(self.v_source, self.v_index)

    @property
    def e(self) -> WindowArray:
        """E of every window, (N, O, n_env), materialised only where indexed."""
        return WindowArray(self.e_source, self.e_index)

    def materialise(self) -> tuple[np.ndarray, np.ndarray]:
        """v (N, O, n_visible) and e (N, O, n_env) float32, every window copied out."""
        return self.v[:], self.e[:]


@dataclass(frozen=True)
class WindowArray:
    """One region's windows as an (N, O, n) array read on demand: indexing by configurations
    copies out those configurations' windows at every origin, float32."""

    source: np.ndarray
    index: np.ndarray

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.source.shape[0], *self.index.shape)

    def __getitem__(self, configs: np.ndarray | slice) -> np.ndarray:
        return np.take(self.source[configs], self.index, axis=1).astype(np.float32, copy=False)


class Partition:
    """V / buffer / E partition of a periodic lattice.

    Parameters
    ----------
    lattice: one of ``chain``, ``square``, ``cubic``, ``dimer_grid``.
    shape: lattice shape of one configuration, e.g. (64, 64).
    lv, lb, le: side of V, buffer width, environment shell thickness (sites;
        grid units on the dimer grid, where ``lv`` must be even).
    origins: number O of V origins per configuration. With 1 (the default) V
        starts at ``origin`` (default: the zero corner). With O > 1 the origins
        are O distinct lattice positions (even offsets on the dimer grid)
        drawn once from ``seed``; they are translation-related copies of the
        same window, for translation-invariant systems.
    seed: seeds the draw of the origins (unused when ``origins`` is 1).
    origin: the V origin when ``origins`` is 1.
    where: names the configurations' source (a store path) in error messages.

    Attributes
    ----------
    v_shape: shape of V, (lv,) * ndim.
    n_visible: prod(v_shape).
    n_env: number of sites (dimer grid: bonds) in E.
    mask: (n_visible,) bool, True where a filter weight is free.
    origin_coords: (O, ndim) int, the V origins.
    v_index, e_index: (O, n_visible), (O, n_env) int64 indices into a
        flattened configuration (row-major), V row-major, E in row-major
        window order.
    """

    def __init__(
        self,
        lattice: str,
        shape: tuple[int, ...],
        lv: int,
        lb: int,
        le: int,
        origins: int = 1,
        seed: int = 0,
        origin: tuple[int, ...] | None = None,
        where: str = "",
    ) -> None:
        self.lattice = lattice
        self.shape = tuple(int(s) for s in shape)
        self.lv, self.lb, self.le = int(lv), int(lb), int(le)
        self.origins = int(origins)
        self.seed = int(seed)
        self.origin = origin
        self.where = where
        self._validate()
        ndim = len(self.shape)
        self.v_shape = (self.lv,) * ndim
        self.n_visible = self.lv**ndim
        self.origin_coords = self._origin_coords()
        v_offsets, e_offsets = self._window_offsets()
        self.n_env = len(e_offsets)
        self.mask = self._mask(v_offsets)
        self.v_index = self._flat_index(v_offsets)
        self.e_index = self._flat_index(e_offsets)

    @property
    def window(self) -> int:
        """Side of the whole window, lv + 2*lb + 2*le."""
        return self.lv + 2 * self.lb + 2 * self.le

    def describe_window(self) -> str:
        """The window arithmetic, as a user would write it on the command line."""
        return f"--lv {self.lv} + 2*--lb {self.lb} + 2*--le {self.le} = {self.window}"

    def _validate(self) -> None:
        if self.lattice not in lattices.NDIM:
            raise InputError(f"lattice {self.lattice!r}: expected one of {lattices.KINDS}")
        ndim = lattices.NDIM[self.lattice]
        if len(self.shape) != ndim or min(self.shape) < 1:
            raise InputError(
                f"a {self.lattice} lattice has {ndim} axes of positive length, "
                f"got shape {self.shape}"
            )
        if self.lv < 1 or self.lb < 0 or self.le < 1:
            raise InputError(
                f"--lv {self.lv}, --lb {self.lb}, --le {self.le}: "
                "expected lv >= 1, lb >= 0, le >= 1"
            )
        if self.lattice == DIMER_GRID:
            if self.lv % 2 or any(s % 2 for s in self.shape):
                raise InputError(
                    f"--lv {self.lv} on a dimer bond grid of shape {self.shape}: V must cover "
                    "whole vertex cells, so lv and the grid sides must be even"
                )
        if self.window > min(self.shape):
            sides = "x".join(str(s) for s in self.shape)
            of = f" of {self.where}" if self.where else ""
            raise InputError(f"{self.describe_window()} does not fit in the {sides} lattice{of}")
        n_positions = self.n_positions()
        if not 1 <= self.origins <= n_positions:
            raise InputError(
                f"origins {self.origins}: expected between 1 and {n_positions} "
                f"(the allowed V positions of the {self.shape} lattice)"
            )
        if self.origin is not None:
            origin = tuple(int(o) for o in self.origin)
            if self.origins != 1 or len(origin) != len(self.shape):
                raise InputError(
                    f"origin {self.origin}: give one coordinate per lattice axis, with origins 1"
                )
            if self.lattice == DIMER_GRID and any(o % 2 for o in origin):
                raise InputError(f"origin {origin}: V must start at an even offset on a dimer grid")

    def _stride(self) -> int:
        return lattices.step(self.lattice)

    def n_positions(self) -> int:
        """Number of distinct V positions (origins) on the lattice."""
        return int(np.prod([s // self._stride() for s in self.shape]))

    def _origin_coords(self) -> np.ndarray:
        ndim = len(self.shape)
        if self.origins == 1:
            origin = self.origin if self.origin is not None else (0,) * ndim
            return np.array([origin], dtype=np.int64) % np.array(self.shape)
        cells = tuple(s // self._stride() for s in self.shape)
        rng = np.random.default_rng(self.seed)
        flat = rng.choice(int(np.prod(cells)), size=self.origins, replace=False)
        return np.stack(np.unravel_index(flat, cells), axis=-1).astype(np.int64) * self._stride()

    def _window_offsets(self) -> tuple[np.ndarray, np.ndarray]:
        """Offsets of V and E relative to the V origin: (n_visible, ndim), (n_env, ndim)."""
        ndim = len(self.shape)
        v_offsets = _offsets(self.lv, ndim)
        window = _offsets(self.window, ndim) - (self.lb + self.le)
        inner_lo, inner_hi = -self.lb, self.lv + self.lb
        in_buffer = ((window >= inner_lo) & (window < inner_hi)).all(axis=-1)
        e_offsets = window[~in_buffer]
        if self.lattice == DIMER_GRID:
            e_offsets = e_offsets[_is_bond(e_offsets)]
        return v_offsets, e_offsets

    def _mask(self, v_offsets: np.ndarray) -> np.ndarray:
        if self.lattice == DIMER_GRID:
            return _is_bond(v_offsets)
        return np.ones(len(v_offsets), dtype=bool)

    def _flat_index(self, offsets: np.ndarray) -> np.ndarray:
        """(O, n) row-major flat indices of origin + offsets, wrapped periodically."""
        coords = (self.origin_coords[:, None, :] + offsets[None, :, :]) % np.array(self.shape)
        return np.ravel_multi_index(tuple(np.moveaxis(coords, -1, 0)), self.shape).astype(np.int64)

    def windows(self, configs: np.ndarray) -> Windows:
        """The windows of every configuration at every origin, by index (no copy when
        ``configs`` is contiguous).

        configs: (N, *shape) numeric.
        """
        configs = np.asarray(configs)
        if configs.shape[1:] != self.shape:
            raise InputError(
                f"configs of shape {configs.shape[1:]} per sample, expected {self.shape}"
            )
        flat = configs.reshape(configs.shape[0], -1)
        return Windows(flat, self.v_index, flat, self.e_index)

    def split(self, configs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gather V and E of every configuration at every origin.

        configs: (N, *shape) numeric.
        Returns v (N, O, n_visible) float32 (V row-major, reshape to v_shape)
        and e (N, O, n_env) float32.
        """
        return self.windows(configs).materialise()
