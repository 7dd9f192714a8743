"""L-BFGS refinement of Λ with the critic frozen, Eq. (B12), kept only if validation holds."""

import torch

from rsmine.estimator import coarse, critics
from rsmine.estimator.train.evaluation import validate
from rsmine.estimator.train.parts import Parts
from rsmine.estimator.train.replicas import FILTERS, axis, select, where
from rsmine.estimator.train.setup import Setup


def refine(
    setup: Setup,
    parts: Parts,
    best: dict[str, torch.Tensor],
    noise: dict[str, torch.Tensor],
    best_val: torch.Tensor,
) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """L-BFGS on each replica's Λ with its critic frozen; a replica keeps the refined Λ only if
    its validation estimate does not drop.

    best: batched parameters of m replicas; noise: part -> (m, O, n, F) evaluation noise;
    best_val: (m,) nats. Returns the kept parameters and their validation estimates (m,).
    """
    refined = {k: t.clone() for k, t in best.items()}
    for i in range(best_val.shape[0]):
        one = select(best, torch.tensor([i], device=setup.device))
        one[FILTERS] = _lbfgs_filters(setup, parts, one, noise["train"][i : i + 1])
        for k in refined:
            refined[k].select(axis(k), i).copy_(one[k].select(axis(k), 0))
    val = validate(setup, refined, parts).value
    better = val >= best_val
    return where(better, refined, best), torch.where(better, val, best_val)


def _lbfgs_filters(
    setup: Setup, parts: Parts, one: dict[str, torch.Tensor], eps: torch.Tensor
) -> torch.Tensor:
    """Refine one replica's Λ (1, F, n_visible) by L-BFGS on the training part at τ_min."""
    c = setup.config
    k = c.batch
    n_used = (parts.size("train") // k) * k
    vs, ue = [], []
    with torch.no_grad():  # only u(e) is kept: one origin's E at a time
        for o in range(parts.origins):
            v, e = parts.take("train", slice(0, n_used), o)
            vs.append(v)
            ue.append(critics.embed_e(one, e))
    filt = one[FILTERS].clone().requires_grad_(True)
    opt = torch.optim.LBFGS([filt], max_iter=c.lbfgs_steps, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = 0.0
        for o, v in enumerate(vs):
            x = coarse.logits(filt, v, setup.mask)
            h = coarse.relaxed(x, eps[:, o, :n_used], c.tau_min, c.embedding, c.states)
            vh = critics.embed_h(one, h).reshape(1, -1, k, c.embed)
            s = critics.scores(vh, ue[o].reshape(1, -1, k, c.embed))
            loss = loss - setup.bound(s).mean()
        loss.backward()
        return loss

    opt.step(closure)
    return filt.detach()
