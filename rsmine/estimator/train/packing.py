"""The trainable state packed into contiguous buffers, for the two batched kernels that want it.

:func:`pack` rebinds each trainable parameter, its gradient and its Adam moments to views of
contiguous buffers, ordered so that

- layer l >= 1 of v and layer l of u sit side by side: one (2R, n_in, n_out) view runs both
  critics' tails as ONE batched product per layer (:func:`rsmine.estimator.critics.embed_pair`);
- the whole state is one tensor per Adam group (the critic, with its weight decay, and Λ; one
  group when the decay is 0): one fused Adam call over one tensor per step. With the
  ``filterwise`` update Λ stays out of the groups (``Packed.filters``, its own step).

Values are copied, never changed; the views stay valid until the replica batch changes.
"""

from dataclasses import dataclass

import torch

from rsmine.estimator import critics
from rsmine.estimator.train.adam import FilterState, Group
from rsmine.estimator.train.replicas import FILTERS, Replicas


@dataclass
class Packed:
    """Adam groups over the packed buffers; ``tail`` / ``grad_tail``: per layer l >= 1, the
    (weight, bias) views over v's and u's replicas, (2R, n_in, n_out) and (2R, 1, n_out);
    ``filters``: Λ's state for the filterwise update (None: Λ is in ``groups``)."""

    groups: list[Group]
    tail: critics.Layers
    grad_tail: critics.Layers
    filters: FilterState | None = None


def pack(state: Replicas, weight_decay: float, filterwise: bool = False) -> Packed:
    """Pack ``state``'s trainable parameters, gradients and moments (rebinding its dicts);
    filterwise: Λ left out of the fused groups, for :func:`~.adam.filterwise_adam_step`."""
    layers = critics.n_layers(state.params, "v")
    pairs = [(f"v.{p}{layer}", f"u.{p}{layer}") for layer in range(1, layers) for p in "wb"]
    paired = {n for pair in pairs for n in pair}
    critic = [n for n in state.critic_names if n not in paired] + [n for p in pairs for n in p]
    if not set(critic) <= set(state.critic_names):
        raise RuntimeError("packing needs the whole critic trainable")
    own = filterwise and state.trains_filters
    lam = [] if own else state.filter_names
    parts = [critic, lam] if weight_decay > 0 or own else [critic + lam]
    groups, tail, grad_tail = [], [], []
    for names, decay in zip(parts, (weight_decay, 0.0), strict=False):
        if not names:
            continue
        (params, at), (grads, _) = _pack(state.params, names), _pack(state.grads, names)
        moments = [_pack_moment(state.moments, names, i) for i in (0, 1)]
        groups.append(([[params], [grads], [moments[0]], [moments[1]]], decay))
        if names[0] == critic[0]:
            for w, b in zip(pairs[::2], pairs[1::2], strict=True):
                tail.append((_joined(params, at, w, state), _joined(params, at, b, state)))
                grad_tail.append((_joined(grads, at, w, state), _joined(grads, at, b, state)))
    filters = None
    if own:
        moments = state.moments[FILTERS]
        filters = (state.params[FILTERS], state.grads[FILTERS], moments[0], moments[1])
    return Packed(groups, tail, grad_tail, filters)


def _pack(tensors: dict[str, torch.Tensor], names: list[str]) -> tuple[torch.Tensor, dict]:
    """Copy ``tensors[names]`` into one buffer, rebind each name to its view; the buffer and
    each name's offset in it."""
    flat = torch.cat([tensors[n].reshape(-1) for n in names])
    offsets, offset = {}, 0
    for n in names:
        offsets[n], size = offset, tensors[n].numel()
        tensors[n] = flat[offset : offset + size].view(tensors[n].shape)
        offset += size
    return flat, offsets


def _pack_moment(moments: dict[str, list[torch.Tensor]], names: list[str], i: int) -> torch.Tensor:
    """:func:`_pack` for the i-th Adam moment of each name; the buffer."""
    view = {n: moments[n][i] for n in names}
    flat, _ = _pack(view, names)
    for n in names:
        moments[n][i] = view[n]
    return flat


def _joined(
    flat: torch.Tensor, offsets: dict[str, int], pair: tuple[str, str], state: Replicas
) -> torch.Tensor:
    """The (2R, ...) view of ``flat`` over the pair (v's tensor, u's tensor), packed adjacent."""
    shape = state.params[pair[0]].shape
    size = shape.numel()
    return flat[offsets[pair[0]] : offsets[pair[0]] + 2 * size].view(2 * shape[0], *shape[1:])
