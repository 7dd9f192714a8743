"""Adam on the batched parameters: fused per-coordinate Adam with decoupled weight decay on the
critic (none on Λ), and the rotation-fair ``filterwise`` Adam of Λ.

The groups come from :func:`rsmine.estimator.train.packing.pack` (one tensor per group).

Per-coordinate Adam divides each weight's step by that weight's own gradient scale. On the
dimer grid the electric-field filters Ex and Ey live on disjoint bonds (horizontal and
vertical), so an in-plane gradient α·Ex + β·Ey becomes a step ∝ sign(α)·Ex + sign(β)·Ey: onto
the diagonals S1, S2 of the (Ex, Ey) plane, a fourfold bias that the lattice does not have.
``filterwise`` Adam keeps one second moment per filter (the mean over its free weights of the
squared gradient), so its step is the running mean gradient divided by one scalar per filter:
an orthogonal change of the bond basis rotates the step with the gradient, and the step's
size matches per-coordinate Adam's (≈ lr per weight).
"""

import torch

BETAS = (0.9, 0.999)
EPS = 1e-8
# [params, grads, first moments, second moments] and the group's weight decay
Group = tuple[list[list[torch.Tensor]], float]
# Λ (R, F, n_visible), its gradient and its two moments (same shape; the second moment is
# constant along the last axis in the filterwise update)
FilterState = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]


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
            beta1=BETAS[0],
            beta2=BETAS[1],
            weight_decay=decay,
            eps=EPS,
            amsgrad=False,
            maximize=False,
        )


@torch.no_grad()
def filterwise_adam_step(state: FilterState, step: torch.Tensor, lr: float, free: int) -> None:
    """One Adam update of Λ with one second moment per filter, in place.

    state: Λ, its gradient and moments, (R, F, n_visible) each (the second moment equal
    across a filter's weights);
    step: the (already incremented) step count; free: the free weights per filter (the
    mean of the squared gradient runs over them; weights off the mask have zero gradient).
    """
    filters, grad, first, second = state
    first.lerp_(grad, 1.0 - BETAS[0])
    second.mul_(BETAS[1]).add_(grad.square().sum(-1, keepdim=True), alpha=(1.0 - BETAS[1]) / free)
    first_hat = first / (1.0 - BETAS[0] ** step)
    scale = (second / (1.0 - BETAS[1] ** step)).sqrt_().add_(EPS)
    filters.sub_(first_hat.div_(scale).mul_(lr))
