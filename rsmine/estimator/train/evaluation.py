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

Validation, scored every epoch, sees each configuration at ``val_origins`` (default 2) of the O
origins (:func:`validation_slots`: fixed, balanced over origins), not at all O: scoring every
origin every epoch cost as much as an epoch of training at O = 9. A slot is one window per
configuration (configuration i at origin slots[s, i]), scored as one candidate set of K = n
windows of distinct configurations, exactly as one origin is; the test and training parts are
scored once, at every origin.
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
    """Held-out bound per replica: value (R,) and standard error (R,) in nats; candidates: K;
    sampled: the training-time estimate (R,) nats where it was asked for, else None."""

    value: torch.Tensor
    stderr: torch.Tensor
    candidates: int
    sampled: torch.Tensor | None = None


def hard_h(setup: Setup, params: dict[str, torch.Tensor], v: torch.Tensor) -> torch.Tensor:
    """The deterministic H of standardised v (m, n_visible): (R, m, h_width), as
    ``rsmine coarse-grain`` computes it (:func:`rsmine.estimator.coarse.hard`)."""
    c = setup.config
    return coarse.hard(coarse.logits(params[FILTERS], v, setup.mask), c.embedding, c.states)


def validation_slots(n: int, origins: int, per_config: int) -> torch.Tensor:
    """The windows validation scores: (k, n) origins, configuration i of the part at origins
    slots[:, i] = (i + s·(O // k)) mod O, s < k = min(per_config, O) (per_config 0: O) —
    distinct per configuration, each origin used by n·k/O windows (± k). With k = O: slot o
    is origin o."""
    k = min(per_config or origins, origins)
    if k == origins:
        return torch.arange(origins).unsqueeze(1).expand(origins, n)
    shift = torch.arange(k).unsqueeze(1) * (origins // k)
    return (torch.arange(n) + shift) % origins


def validate(setup: Setup, params: dict[str, torch.Tensor], parts: Parts) -> Estimate:
    """The validation estimate: :func:`score_part` of "val" on :func:`validation_slots`
    (``val_origins`` per configuration)."""
    n, per_config = parts.size("val"), setup.config.val_origins
    slots = validation_slots(n, parts.origins, per_config).to(setup.device)
    return score_part(setup, params, parts, "val", slots=slots)


@torch.no_grad()
def score_part(
    setup: Setup,
    params: dict[str, torch.Tensor],
    parts: Parts,
    part: str,
    limit: int | None = None,
    slots: torch.Tensor | None = None,
    noise: torch.Tensor | None = None,
) -> Estimate:
    """The bound of hard H on the whole of ``part`` (its first ``limit`` configurations when
    given) as one candidate set per slot; value and standard error (R,) in nats.

    slots: (k, n) origins, configuration i scored at slots[s, i] in slot s (device); None:
    every origin, slot o = origin o. noise: (R, k, >= n, F) fixed noise: also the
    training-time estimate (``sampled``: mean bound over the full minibatches of K, H sampled
    exactly discrete), on the same u(e), computed once for both.
    """
    c = setup.config
    n = min(parts.size(part), limit or parts.size(part))
    at = range(parts.origins) if slots is None else slots[:, :n]
    k = c.batch
    n_used = (n // k) * k
    chunk = EVAL_CHUNK if noise is None else max(k, (EVAL_CHUNK // k) * k)
    terms, sampled, batches = 0.0, 0.0, 0
    for i, origin in enumerate(at):
        hs, vhs, ues = [], [], []
        for a, x, ue in _chunks(params, parts, part, n, origin, chunk, setup.mask):
            h = coarse.hard(x, c.embedding, c.states)
            hs.append(h)
            vhs.append(critics.embed_h(params, h))
            ues.append(ue)
            m = min(x.shape[1], n_used - a)
            if noise is not None and m > 0:
                eps = noise[:, i, a : a + m]
                sampled = sampled + _sampled_bounds(setup, params, x[:, :m], ue[:, :m], eps).sum(-1)
                batches += m // k
        h, vh, ue = (torch.cat(t, 1) for t in (hs, vhs, ues))
        diagonal = (vh * ue).sum(-1)
        row_lse = _row_lse(setup, params, h, vh, ue)
        terms = terms + row_terms(c.bound, diagonal, row_lse, n)
    terms = terms / len(at)
    mean_sampled = None if noise is None else sampled / batches
    return Estimate(terms.mean(-1), terms.std(-1) / n**0.5, n, mean_sampled)


def _chunks(params, parts, part, n, origin, chunk, mask):
    """Per chunk of ``chunk`` of the first n configurations of ``part`` at ``origin`` (an int,
    or one per configuration, (n,) tensor): its start, x = Λ·v (R, m, F) and u(e) (R, m, D)."""
    for a in range(0, n, chunk):
        b = min(a + chunk, n)
        v, e = parts.take(part, slice(a, b), origin if isinstance(origin, int) else origin[a:b])
        yield a, coarse.logits(params[FILTERS], v, mask), critics.embed_e(params, e)


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


def _sampled_bounds(
    setup: Setup,
    params: dict[str, torch.Tensor],
    x: torch.Tensor,
    ue: torch.Tensor,
    eps: torch.Tensor,
) -> torch.Tensor:
    """Bound per replica and minibatch of K with H sampled exactly discrete: x (R, B·K, F)
    logits, ue (R, B·K, D) u(e), eps (R, B·K, F) noise. Returns (R, B) nats."""
    c = setup.config
    vh = critics.embed_h(params, coarse.discrete(x, eps, c.embedding, c.states))
    r, d = vh.shape[0], vh.shape[-1]
    s = critics.scores(vh.reshape(r, -1, c.batch, d), ue.reshape(r, -1, c.batch, d))
    return setup.bound(s)


def sampled_estimate(
    setup: Setup,
    params: dict[str, torch.Tensor],
    parts: Parts,
    part: str,
    eps: torch.Tensor,
) -> torch.Tensor:
    """The training-time estimate, a diagnostic: mean bound over the full minibatches of K of
    ``part`` at all origins, with H sampled exactly discrete (fixed noise eps (R, O, n, F)).

    Never above log K. Returns (R,) nats (:func:`score_part`'s ``sampled``).
    """
    return score_part(setup, params, parts, part, noise=eps).sampled
