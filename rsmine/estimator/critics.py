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
    """Hidden layer widths and embedding dimension of both v and u (defaults: TrainConfig's
    hidden and embed)."""

    hidden: tuple[int, ...]
    embed: int

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


def _tail(params: dict[str, torch.Tensor], net: str, x: torch.Tensor, first: int) -> torch.Tensor:
    """Layers ``first``.. of ``net`` on x (R, K, n): ReLU between layers, linear output."""
    names = _layer_names(net, n_layers(params, net))
    last = len(names) - 1
    for layer in range(first, last + 1):
        w, b = names[layer]
        x = torch.baddbmm(params[b], x, params[w])
        if layer < last:
            x = x.relu()
    return x


def embed_h(params: dict[str, torch.Tensor], h: torch.Tensor) -> torch.Tensor:
    """v(h): h (R, K, n_h) -> (R, K, embed)."""
    return _tail(params, "v", h, 0)


def _first_u(params: dict[str, torch.Tensor], e: torch.Tensor) -> torch.Tensor:
    """u's first layer (before its ReLU) on e (K, n_env) shared by all replicas -> (R, K, width),
    a transposed view: ONE (K, n_env) @ (n_env, R·width) product."""
    w0 = params[SHARED_FIRST_LAYER]
    n_env, r, width = w0.shape
    x = torch.addmm(params[SHARED_FIRST_BIAS].reshape(-1), e, w0.reshape(n_env, r * width))
    return x.view(e.shape[0], r, width).transpose(0, 1)


def embed_e(params: dict[str, torch.Tensor], e: torch.Tensor) -> torch.Tensor:
    """u(e) for environments shared by all replicas: e (K, n_env) -> (R, K, embed)."""
    x = _first_u(params, e)
    if n_layers(params, "u") == 1:
        return x
    return _tail(params, "u", x.relu(), 1)


Layers = list[tuple[torch.Tensor, torch.Tensor]]


def embed_pair(
    params: dict[str, torch.Tensor], tail: Layers, h: torch.Tensor, e: torch.Tensor, cache: list
) -> tuple[torch.Tensor, torch.Tensor]:
    """v(h) (R, K, embed) and u(e) (R, K, embed) with layers 1.. of both nets run together.

    v and u have the same widths after their first layer, so those layers run as ONE batch of
    2R: ``tail`` holds their (weight (2R, n_in, n_out), bias (2R, 1, n_out)), v's R replicas
    first (views of v's and u's parameters packed side by side, see train.packing). h (R, K,
    n_h), e (K, n_env) shared. The input of each tail layer goes to ``cache`` (for
    :func:`backward_pair`). Same arithmetic per replica as :func:`embed_h`, :func:`embed_e`.
    """
    r = h.shape[0]
    x = torch.cat([torch.baddbmm(params["v.b0"], h, params["v.w0"]), _first_u(params, e)])
    for w, b in tail:
        x = x.relu_()  # x is always a fresh tensor here
        cache.append(x)
        x = torch.baddbmm(b, x, w)
    return x[:r], x[r:]


def backward_pair(
    params: dict[str, torch.Tensor],
    tail: Layers,
    grad_tail: Layers,
    cache: list[torch.Tensor],
    h: torch.Tensor,
    e: torch.Tensor,
    d_out: torch.Tensor,
    grads: dict[str, torch.Tensor],
) -> torch.Tensor:
    """Backward of :func:`embed_pair` from d_out (2R, K, embed) = [d v(h); d u(e)].

    Writes every critic gradient into ``grads`` (the tail's through ``grad_tail``, views of
    the same shapes as ``tail``); u's first-layer weight gradient is one (n_env, K) @
    (K, R·width) product. Returns d h (R, K, n_h).
    """
    d = d_out
    for layer in range(len(tail) - 1, -1, -1):
        x, (w, _), (g_w, g_b) = cache[layer], tail[layer], grad_tail[layer]
        torch.bmm(x.transpose(1, 2), d, out=g_w)
        torch.sum(d, dim=1, keepdim=True, out=g_b)
        d = torch.ops.aten.threshold_backward(torch.bmm(d, w.transpose(1, 2)), x, 0.0)
    r = h.shape[0]
    d_v, d_u = d[:r], d[r:]
    torch.bmm(h.transpose(1, 2), d_v, out=grads["v.w0"])
    torch.sum(d_v, dim=1, keepdim=True, out=grads["v.b0"])
    d0 = d_u.transpose(0, 1).contiguous()  # (K, R, width)
    w0 = grads[SHARED_FIRST_LAYER]
    torch.mm(e.T, d0.reshape(e.shape[0], -1), out=w0.view(w0.shape[0], -1))
    torch.sum(d0, dim=0, out=grads[SHARED_FIRST_BIAS])
    return torch.bmm(d_v, params["v.w0"].transpose(1, 2))


def scores(vh: torch.Tensor, ue: torch.Tensor) -> torch.Tensor:
    """Score matrices f(h_i, e_j) = v(h_i)·u(e_j): (..., K, D) x (..., K, D) -> (..., K, K)."""
    return vh @ ue.transpose(-1, -2)
