"""The bound with exactly discrete H, per replica: on minibatches, and over a whole data part."""

import torch

from rsmine.estimator import coarse, critics
from rsmine.estimator.train.parts import Parts
from rsmine.estimator.train.replicas import FILTERS
from rsmine.estimator.train.setup import Setup

# configurations per evaluation pass: at R = 64 the (R, chunk, 32) activations then stay in
# cache (2000: 16 MB each, 20 % slower per run at one epoch)
EVAL_CHUNK = 500


def bound_values(
    setup: Setup,
    params: dict[str, torch.Tensor],
    v: torch.Tensor,
    e: torch.Tensor,
    eps: torch.Tensor,
    tau: float | None,
) -> torch.Tensor:
    """Bound per replica and minibatch.

    v: (B, K, n_visible) or (K, n_visible), e likewise, shared by all replicas; eps: noise
    (R, B·K, F) or (R, K, F); tau: relaxation (None: exactly discrete H).
    Returns (R, B) or (R,) in nats.
    """
    c = setup.config
    k = v.shape[-2]
    x = coarse.logits(params[FILTERS], v.reshape(-1, v.shape[-1]), setup.mask)
    if tau is None:
        h = coarse.discrete(x, eps, c.embedding, c.states)
    else:
        h = coarse.relaxed(x, eps, tau, c.embedding, c.states)
    vh = critics.embed_h(params, h)
    ue = critics.embed_e(params, e.reshape(-1, e.shape[-1]))
    r = vh.shape[0]
    s = critics.scores(vh.reshape(r, -1, k, vh.shape[-1]), ue.reshape(r, -1, k, ue.shape[-1]))
    out = setup.bound(s)
    return out if v.dim() == 3 else out[:, 0]


@torch.no_grad()
def evaluate(
    setup: Setup,
    params: dict[str, torch.Tensor],
    parts: Parts,
    part: str,
    eps: torch.Tensor,
    limit: int | None = None,
) -> torch.Tensor:
    """Mean bound over the full minibatches of K of ``part`` (its first ``limit``
    configurations when given) at all origins, with exactly discrete H.

    eps: (R, O, n, F) fixed evaluation noise. Returns (R,) nats.
    """
    k = setup.config.batch
    n_used = (min(parts.size(part), limit or parts.size(part)) // k) * k
    chunk = max(k, (EVAL_CHUNK // k) * k)
    total, count = 0.0, 0
    for o in range(parts.origins):
        for a in range(0, n_used, chunk):
            b = min(a + chunk, n_used)
            v, e = parts.take(part, slice(a, b), o)
            batches = (v.reshape(-1, k, v.shape[1]), e.reshape(-1, k, e.shape[1]))
            total = total + bound_values(setup, params, *batches, eps[:, o, a:b], None).sum(-1)
            count += (b - a) // k
    return total / count
