"""Separable critic f(h, e) = v(h)ᵀu(e) (paper Eq. 11), batched over R replicas.

v and u are ReLU MLPs (default: two hidden layers of 32, embedding 8). Parameters live
in a flat dict of tensors whose replica axis is given by :func:`replica_axis`:
``"<net>.w<l>"`` (R, n_in, n_out) and ``"<net>.b<l>"`` (R, 1, n_out), except the first
layer of u, ``"u.w0"`` (n_env, R, n_out) with ``"u.b0"`` (R, n_out): its input E is shared
by every replica of a minibatch, so it runs as ONE matrix product (K, n_env) @ (n_env, R·n_out).
"""

import functools
import itertools
import math
from dataclasses import dataclass

import torch

SHARED_FIRST_LAYER = "u.w0"
SHARED_FIRST_BIAS = "u.b0"


@dataclass(frozen=True)
class CriticShape:
    """Hidden layer widths and embedding dimension of both v and u."""

    hidden: tuple[int, ...] = (32, 32)
    embed: int = 8

    def widths(self, n_in: int) -> list[int]:
        """Layer widths from input to embedding."""
        return [n_in, *self.hidden, self.embed]


def n_parameters(n_in: int, shape: CriticShape) -> int:
    """Weights and biases of one replica's network with ``n_in`` inputs."""
    return sum(a * b + b for a, b in itertools.pairwise(shape.widths(n_in)))


def replica_axis(name: str) -> int:
    """Axis of parameter ``name`` that indexes replicas."""
    return 1 if name == SHARED_FIRST_LAYER else 0


def _uniform(generator: torch.Generator, shape: tuple[int, ...], fan_in: int) -> torch.Tensor:
    bound = 1.0 / math.sqrt(fan_in)
    return (torch.rand(shape, generator=generator) * 2.0 - 1.0) * bound


def init_net(
    generator: torch.Generator, net: str, n_in: int, shape: CriticShape
) -> dict[str, torch.Tensor]:
    """One replica's MLP ``net`` ('v' or 'u'), U(±1/sqrt(fan_in)) like torch.nn.Linear.

    Returns {"<net>.w<l>": (n_in_l, n_out_l), "<net>.b<l>": (n_out_l,)} without replica axis.
    """
    widths = shape.widths(n_in)
    params = {}
    for layer, (a, b) in enumerate(itertools.pairwise(widths)):
        params[f"{net}.w{layer}"] = _uniform(generator, (a, b), a)
        params[f"{net}.b{layer}"] = _uniform(generator, (b,), a)
    return params


def stack_replicas(per_replica: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Stack single-replica parameters into the batched layout of this module."""
    out = {}
    for name in per_replica[0]:
        t = torch.stack([p[name] for p in per_replica], dim=replica_axis(name))
        batched_bias = ".b" in name and name != SHARED_FIRST_BIAS  # added to (R, K, n_out)
        out[name] = t.unsqueeze(-2) if batched_bias else t
    return out


def n_layers(params: dict[str, torch.Tensor], net: str) -> int:
    """Number of linear layers of ``net``."""
    n = 0
    while f"{net}.w{n}" in params:
        n += 1
    return n


@functools.cache
def _layer_names(net: str, n: int) -> tuple[tuple[str, str], ...]:
    """(weight, bias) parameter names of the n layers of ``net``."""
    return tuple((f"{net}.w{layer}", f"{net}.b{layer}") for layer in range(n))


def _tail(
    params: dict[str, torch.Tensor], net: str, x: torch.Tensor, first: int, cache: list | None
) -> torch.Tensor:
    """Layers ``first``.. of ``net`` on x (R, K, n): ReLU between layers, linear output.

    Appends each layer's input to ``cache`` (for :func:`_tail_backward`) when given.
    """
    names = _layer_names(net, n_layers(params, net))
    last = len(names) - 1
    for layer in range(first, last + 1):
        if cache is not None:
            cache.append(x)
        w, b = names[layer]
        x = torch.baddbmm(params[b], x, params[w])
        if layer < last:
            x = x.relu()
    return x


def embed_h(params: dict[str, torch.Tensor], h: torch.Tensor, cache: list | None = None):
    """v(h): h (R, K, n_h) -> (R, K, embed); layer inputs go to ``cache`` when given."""
    return _tail(params, "v", h, 0, cache)


def embed_e(params: dict[str, torch.Tensor], e: torch.Tensor, cache: list | None = None):
    """u(e) for environments shared by all replicas: e (K, n_env) -> (R, K, embed).

    The first layer is one (K, n_env) @ (n_env, R·width) product. Layer inputs after the
    first go to ``cache`` when given.
    """
    w0 = params[SHARED_FIRST_LAYER]
    n_env, r, width = w0.shape
    x = (e @ w0.reshape(n_env, r * width)).reshape(e.shape[0], r, width)
    x = x + params[SHARED_FIRST_BIAS]
    x = x.transpose(0, 1)
    if n_layers(params, "u") == 1:
        return x
    return _tail(params, "u", x.relu(), 1, cache)


def _tail_backward(
    params: dict[str, torch.Tensor],
    net: str,
    cache: list[torch.Tensor],
    d_out: torch.Tensor,
    first: int,
    grads: dict[str, torch.Tensor],
) -> torch.Tensor:
    """Backpropagate d_out (R, K, embed) through layers ``first``.. of ``net``.

    Writes parameter gradients into ``grads`` and returns (R, K, n) the gradient w.r.t. the
    input of layer 0 (``first`` = 0) or the pre-activation whose ReLU feeds layer ``first``.
    """
    d = d_out
    names = _layer_names(net, n_layers(params, net))
    for layer in range(len(names) - 1, first - 1, -1):
        x = cache[layer - first]
        w, b = names[layer]
        torch.bmm(x.transpose(1, 2), d, out=grads[w])
        torch.sum(d, dim=1, keepdim=True, out=grads[b])
        d = torch.bmm(d, params[w].transpose(1, 2))
        if layer > 0:
            d = torch.ops.aten.threshold_backward(d, x, 0.0)
    return d


def backward_h(params, cache, d_vh, grads) -> torch.Tensor:
    """Gradients of v from d_vh (R, K, embed) into ``grads``; returns d h (R, K, n_h)."""
    return _tail_backward(params, "v", cache, d_vh, 0, grads)


def backward_e(params, cache, e: torch.Tensor, d_ue: torch.Tensor, grads) -> None:
    """Gradients of u from d_ue (R, K, embed) into ``grads``; e (K, n_env) as in embed_e.

    The first layer's weight gradient is one (n_env, K) @ (K, R·width) product.
    """
    d0 = _tail_backward(params, "u", cache, d_ue, 1, grads) if cache else d_ue
    d0 = d0.transpose(0, 1).contiguous()  # (K, R, width)
    w0 = grads[SHARED_FIRST_LAYER]
    torch.mm(e.T, d0.reshape(e.shape[0], -1), out=w0.view(w0.shape[0], -1))
    torch.sum(d0, dim=0, out=grads[SHARED_FIRST_BIAS])


def scores(vh: torch.Tensor, ue: torch.Tensor) -> torch.Tensor:
    """Score matrices f(h_i, e_j) = v(h_i)·u(e_j): (..., K, D) x (..., K, D) -> (..., K, K)."""
    return vh @ ue.transpose(-1, -2)
