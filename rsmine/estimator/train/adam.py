"""Fused Adam on the batched parameters: decoupled weight decay on the critic, none on Λ."""

import torch

from rsmine.estimator.train.replicas import Replicas

Group = tuple[list[list[torch.Tensor]], float]


def adam_groups(state: Replicas, weight_decay: float) -> list[Group]:
    """Tensor lists (params, grads, first and second moments) and weight decay for the critic
    and for Λ; valid until the replica batch changes."""
    groups = []
    for names, decay in ((state.critic_names, weight_decay), (state.filter_names, 0)):
        if names:
            lists = [[state.params[n] for n in names], [state.grads[n] for n in names]]
            lists += [[state.moments[n][i] for n in names] for i in (0, 1)]
            groups.append((lists, decay))
    return groups


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
