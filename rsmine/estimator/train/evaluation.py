"""The held-out bound per replica: on the coarse variable ``rsmine coarse-grain`` writes (hard,
deterministic H), scored with a whole data part as ONE candidate set, with a standard error;
and the training-time estimate (sampled H, minibatches of K) kept as a diagnostic.

Whole-part scoring: at each V origin the n configurations of the part give an n x n score
matrix (K = n candidates), scored row block by row block (memory O(R·n·block)); a discrete H
takes only M = 2^C (binary) or q^C (categorical) values, so each row's logsumexp is looked up
in an (R, M) table computed against all n environments. The per-row terms of the bound
(:func:`rsmine.estimator.bounds.row_terms`) are averaged over origins per configuration; the
estimate is their mean, its standard error their standard deviation / sqrt(n) (configurations
treated as independent; the shared candidates' correlation is ignored, small for large K).
"""

from dataclasses import dataclass

import torch

from rsmine.estimator import coarse, critics
from rsmine.estimator.bounds import row_terms
from rsmine.estimator.train.parts import Parts
from rsmine.estimator.train.replicas import FILTERS
from rsmine.estimator.train.setup import Setup

# configurations per embedding pass: at R = 64 the (R, chunk, 32) activations stay in cache
EVAL_CHUNK = 500
# score-matrix entries held at once when scoring row blocks against all candidates
SCORE_ENTRIES = 2**24
# a discrete H with at most this many values is scored through its value table
MAX_TABLE = 4096


@dataclass
class Estimate:
    """Held-out bound per replica: value (R,) and standard error (R,) in nats; candidates: K."""

    value: torch.Tensor
    stderr: torch.Tensor
    candidates: int


def hard_h(setup: Setup, params: dict[str, torch.Tensor], v: torch.Tensor) -> torch.Tensor:
    """The deterministic H of standardised v (m, n_visible): (R, m, h_width), as
    ``rsmine coarse-grain`` computes it (:func:`rsmine.estimator.coarse.hard`)."""
    c = setup.config
    return coarse.hard(coarse.logits(params[FILTERS], v, setup.mask), c.embedding, c.states)


@torch.no_grad()
def score_part(
    setup: Setup,
    params: dict[str, torch.Tensor],
    parts: Parts,
    part: str,
    limit: int | None = None,
) -> Estimate:
    """The bound of hard H on the whole of ``part`` (its first ``limit`` configurations when
    given) as one candidate set per origin; value and standard error (R,) in nats."""
    n = min(parts.size(part), limit or parts.size(part))
    terms = 0.0
    for o in range(parts.origins):
        h, vh, ue = _embeddings(setup, params, parts, part, n, o)
        diagonal = (vh * ue).sum(-1)
        row_lse = _row_lse(setup, params, h, vh, ue)
        terms = terms + row_terms(setup.config.bound, diagonal, row_lse, n)
    terms = terms / parts.origins
    return Estimate(terms.mean(-1), terms.std(-1) / n**0.5, n)


def _embeddings(setup, params, parts, part, n, origin):
    """h (R, n, h_width), v(h) and u(e) (R, n, D) of the first n configurations of ``part``."""
    hs, vhs, ues = [], [], []
    for a in range(0, n, EVAL_CHUNK):
        v, e = parts.take(part, slice(a, min(a + EVAL_CHUNK, n)), origin)
        h = hard_h(setup, params, v)
        hs.append(h)
        vhs.append(critics.embed_h(params, h))
        ues.append(critics.embed_e(params, e))
    return torch.cat(hs, 1), torch.cat(vhs, 1), torch.cat(ues, 1)


def _row_lse(setup, params, h, vh, ue) -> torch.Tensor:
    """logsumexp_j v(h_i)·u(e_j) over all n candidates: (R, n)."""
    c = setup.config
    r, n = ue.shape[:2]
    width = h.shape[-1]
    components = width // coarse.filters_per_component(c.embedding, c.states)
    base = {"binary": 2, "categorical": c.states}.get(c.embedding)
    if base is not None and base**components <= min(MAX_TABLE, n):
        table_h = coarse.values(components, c.embedding, c.states).to(h.device)
        table_vh = critics.embed_h(params, table_h.expand(r, -1, -1).contiguous())
        table = _blocks_lse(table_vh, ue)
        return table.gather(1, coarse.value_index(h, c.embedding, c.states))
    return _blocks_lse(vh, ue)


def _blocks_lse(vh: torch.Tensor, ue: torch.Tensor) -> torch.Tensor:
    """logsumexp over all columns of vh @ ueᵀ, (R, m, D) x (R, n, D) -> (R, m), in row blocks."""
    r, m = vh.shape[:2]
    block = max(1, SCORE_ENTRIES // (r * ue.shape[1]))
    out = [critics.scores(vh[:, a : a + block], ue).logsumexp(-1) for a in range(0, m, block)]
    return torch.cat(out, 1)


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
    (R, B·K, F) or (R, K, F); tau: relaxation (None: H sampled exactly discrete).
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
def sampled_estimate(
    setup: Setup,
    params: dict[str, torch.Tensor],
    parts: Parts,
    part: str,
    eps: torch.Tensor,
) -> torch.Tensor:
    """The training-time estimate, a diagnostic: mean bound over the full minibatches of K of
    ``part`` at all origins, with H sampled exactly discrete (fixed noise eps (R, O, n, F)).

    Never above log K. Returns (R,) nats.
    """
    k = setup.config.batch
    n_used = (parts.size(part) // k) * k
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
