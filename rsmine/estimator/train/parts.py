"""The data parts: configurations split into training, validation and test parts, on the device."""

from dataclasses import dataclass

import numpy as np
import torch

from rsmine.estimator.train.config import TrainConfig
from rsmine.estimator.train.standardise import Standardisation


@dataclass
class Parts:
    """All configurations on the device, v (N, O, n_visible) and e (N, O, n_env) as given, with
    the sorted configuration indices (device) of the "train", "val" and "test" parts; every
    gather returns them standardised by ``inputs`` (the training part's statistics)."""

    v: torch.Tensor
    e: torch.Tensor
    rows: dict[str, torch.Tensor]
    inputs: Standardisation

    @property
    def origins(self) -> int:
        return self.v.shape[1]

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
        """v (m, n_visible), e (m, n_env) at flat indices (m,), standardised."""
        return self.inputs.apply(_rows(self.v, flat), _rows(self.e, flat))


def _rows(a: torch.Tensor, flat: torch.Tensor) -> torch.Tensor:
    """a (N, O, n) at flat (configuration·O + origin) indices (m,) -> (m, n), one row copy."""
    return a.view(-1, a.shape[-1]).index_select(0, flat)


def part_sizes(n: int, split: tuple[float, float, float]) -> tuple[int, int, int]:
    """Numbers of configurations in the training, validation and test parts."""
    n_train, n_val = round(split[0] * n), round(split[1] * n)
    return n_train, n_val, n - n_train - n_val


def split(
    v: np.ndarray,
    e: np.ndarray,
    config: TrainConfig,
    rng: np.random.Generator,
    device: torch.device,
) -> Parts:
    """Seeded split of the configurations (axis 0) into train / val / test (no data copy on
    the CPU when v and e are contiguous float32).

    v: (N, O, n_visible), e: (N, O, n_env); rng: the shared generator (its first draw).
    """
    order = rng.permutation(v.shape[0])
    n_train, n_val, _ = part_sizes(v.shape[0], config.split)
    cuts = {"train": order[:n_train], "val": order[n_train : n_train + n_val]}
    cuts["test"] = order[n_train + n_val :]

    def put(a: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(np.ascontiguousarray(a, np.float32), device=device)

    rows = {p: torch.as_tensor(i, device=device) for p, i in cuts.items()}
    inputs = Standardisation.fit(
        v,
        e,
        cuts["train"],
        centre=config.centre,
        scale_v=config.scale_v,
        standardise=config.standardise,
        device=device,
    )
    return Parts(put(v), put(e), rows, inputs)
