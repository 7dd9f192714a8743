"""The data parts: configurations split into training, validation and test parts, on the device.

The windows are never materialised: :class:`Parts` keeps the stored values (the flattened
configurations, in their own dtype) and each origin's V and E index arrays on the device, and
:meth:`Parts.gather` copies out the windows of one minibatch of (configuration, origin) pairs,
for all replicas at once, by index arithmetic — so O origins cost the memory of one.
"""

from dataclasses import dataclass

import numpy as np
import torch

from rsmine.estimator.regions import WindowIndex, Windows
from rsmine.estimator.train.config import TrainConfig
from rsmine.estimator.train.standardise import Standardisation

# stored values kept in their own dtype on the device (their float32 value is exact); any
# other dtype is converted to float32 once, as the materialised windows were
_KEPT_DTYPES = (np.bool_, np.int8, np.uint8, np.int16, np.float32)


@dataclass
class Parts(WindowIndex):
    """The windows of all configurations on the device, with the configuration indices (device)
    of the "train", "val" and "test" parts.

    v_source (N, S_v), e_source (N, S_e): stored values (possibly one tensor); v_index
    (O, n_visible), e_index (O, n_env): each origin's column indices into a row (int64);
    every gather returns the windows standardised by ``inputs`` (the training part's
    statistics). A window is addressed by its flat index configuration·O + origin.
    """

    v_source: torch.Tensor
    v_index: torch.Tensor
    e_source: torch.Tensor
    e_index: torch.Tensor
    rows: dict[str, torch.Tensor]
    inputs: Standardisation

    def size(self, part: str) -> int:
        return self.rows[part].shape[0]

    def take(
        self, part: str, members: torch.Tensor | slice, origin: torch.Tensor | int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """v (m, n_visible), e (m, n_env) of the ``members`` of ``part`` at ``origin``(s)."""
        return self.gather(self.flat(part, members, origin))

    def flat(
        self, part: str, members: torch.Tensor | slice, origin: torch.Tensor | int
    ) -> torch.Tensor:
        """Flat (configuration·O + origin) indices (m,) of ``members`` of ``part``."""
        return self.rows[part][members] * self.origins + origin

    def gather(self, flat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """v (m, n_visible), e (m, n_env) float32 of the windows at flat indices (m,),
        standardised."""
        config, origin = self._split(flat)
        v = _window(self.v_source, self.v_index, config, origin)
        return self.inputs.apply(v, _window(self.e_source, self.e_index, config, origin))

    def gather_v(self, flat: torch.Tensor) -> torch.Tensor:
        """v (m, n_visible) float32 of the windows at flat indices (m,), standardised: what
        :meth:`gather` returns first, without copying out E."""
        v = _window(self.v_source, self.v_index, *self._split(flat))
        return (v - self.inputs.v_centre) / self.inputs.v_scale

    def _split(self, flat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Configuration and origin (m,) of flat window indices (m,)."""
        config = torch.div(flat, self.origins, rounding_mode="floor")
        return config, flat - config * self.origins


def _window(
    source: torch.Tensor, index: torch.Tensor, config: torch.Tensor, origin: torch.Tensor
) -> torch.Tensor:
    """source (N, S) at rows ``config`` (m,), columns ``index[origin]`` -> (m, n) float32."""
    at = index.index_select(0, origin).add_((config * source.shape[1]).unsqueeze(1))
    return source.view(-1).index_select(0, at.view(-1)).view(at.shape).to(torch.float32)


def part_sizes(n: int, split: tuple[float, float, float]) -> tuple[int, int, int]:
    """Numbers of configurations in the training, validation and test parts."""
    n_train, n_val = round(split[0] * n), round(split[1] * n)
    return n_train, n_val, n - n_train - n_val


def part_rows(
    n: int, fractions: tuple[float, float, float], rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """The configurations (indices into n) of the "train", "val" and "test" parts: one
    permutation drawn from ``rng`` (the shared generator's first draw), cut by ``fractions``."""
    order = rng.permutation(n)
    n_train, n_val, _ = part_sizes(n, fractions)
    return {
        "train": order[:n_train],
        "val": order[n_train : n_train + n_val],
        "test": order[n_train + n_val :],
    }


def split(
    windows: Windows, config: TrainConfig, rng: np.random.Generator, device: torch.device
) -> Parts:
    """Seeded split of the configurations into train / val / test, the windows' stored values
    and indices moved to ``device`` (no copy on the CPU for contiguous values of a kept dtype),
    the inputs' standardisation fitted on the training part (all origins).

    rng: the shared generator (its first draw).
    """
    cuts = part_rows(windows.n_configs, config.split, rng)
    rows = {p: torch.as_tensor(i, device=device) for p, i in cuts.items()}
    inputs = Standardisation.fit(
        windows.v,
        windows.e,
        cuts["train"],
        centre=config.centre,
        scale_v=config.scale_v,
        standardise=config.standardise,
        device=device,
        whiten=config.whiten,
    )
    e_source = _put(windows.e_source, device)
    same = windows.v_source is windows.e_source
    v_source = e_source if same else _put(windows.v_source, device)
    v_index = torch.as_tensor(windows.v_index, dtype=torch.int64, device=device)
    e_index = torch.as_tensor(windows.e_index, dtype=torch.int64, device=device)
    return Parts(v_source, v_index, e_source, e_index, rows, inputs)


def _put(values: np.ndarray, device: torch.device) -> torch.Tensor:
    """Stored values (N, S) on ``device``, contiguous, in a kept dtype (else float32)."""
    dtype = values.dtype if values.dtype in _KEPT_DTYPES else np.float32
    return torch.as_tensor(np.ascontiguousarray(values, dtype), device=device)
