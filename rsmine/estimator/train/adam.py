"""Fused Adam on the batched parameters: decoupled weight decay on the critic, none on Λ.

The groups come from :func:`rsmine.estimator.train.packing.pack` (one tensor per group).
"""

import torch

# [params, grads, first moments, second moments] and the group's weight decay
Group = tuple[list[list[torch.Tensor]], float]


def adam_step(groups: list[Group], step: torch.Tensor, lr: float) -> None:
    """One fused Adam update of (Λ, Θ) at the (already incremented) step count ``step``."""
    for (params, grads, first, second), decay in groups:
        torch._fused_adamw_(
            params,
            grads,
            first,
            second,
            [],
            [step] * len(params),
            lr=lr,
            beta1=0.9,
            beta2=0.999,
            weight_decay=decay,
            eps=1e-8,
            amsgrad=False,
            maximize=False,
        )
