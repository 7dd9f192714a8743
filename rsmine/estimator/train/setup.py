"""What stays fixed while a replica batch trains: options, device, mask, filter rows, bound."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from rsmine.estimator import coarse
from rsmine.estimator.bounds import get_bound
from rsmine.estimator.train.config import TrainConfig, resolve_device


@dataclass
class Setup:
    """Everything fixed during one replica-batch optimisation.

    mask: (n_visible,) float32 on ``device``, 1 where a filter weight is free (None: all);
    rows: F, filters per replica; bound: (..., K, K) scores -> (...,) nats.
    """

    config: TrainConfig
    device: torch.device
    mask: torch.Tensor | None
    rows: int
    bound: Callable[[torch.Tensor], torch.Tensor]

    @classmethod
    def create(cls, config: TrainConfig, components: int, mask: np.ndarray | None) -> "Setup":
        """The setup of ``components`` coarse-grained components on ``config.device``."""
        device = resolve_device(config.device)
        rows = components * coarse.filters_per_component(config.embedding, config.states)
        mask_t = None if mask is None else torch.as_tensor(mask, dtype=torch.float32, device=device)
        return cls(config, device, mask_t, rows, get_bound(config.bound))

    def free(self, n_visible: int) -> int:
        """Free weights per filter of ``n_visible``: the mask's count, or all without one."""
        return int(self.mask.sum()) if self.mask is not None else n_visible

    @property
    def mask_cpu(self) -> torch.Tensor | None:
        return None if self.mask is None else self.mask.cpu()
