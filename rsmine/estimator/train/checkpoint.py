"""Checkpoints of a replica batch between epochs: everything needed to continue bit for bit.

At the end of every epoch the loop hands :meth:`Checkpoint.save` the state of
:func:`state_dict`: the active replicas' parameters, their moving average, Adam moments and
step, best-validation copies, early-stopping counters (best epoch, smoothed validation,
restarts), their training-noise generators, the shared generator of the
minibatch order, the relaxation schedule so far and the results of the
replicas already finished. :func:`load_state_dict` puts it back into freshly
created replicas (whose fixed evaluation noise is recreated from the seed), so
the continued run draws exactly what the uninterrupted one would have.

A checkpoint is one ``.npz`` file replaced atomically (written beside, then
renamed), tagged with an ``identity`` (the run's full settings and its input):
a checkpoint of other settings is never loaded.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from rsmine.estimator.train.replicas import Replicas
from rsmine.estimator.train.result import BatchResult

_RESULT = ("filters", "rsmi", "rsmi_se", "rsmi_val", "rsmi_train", "rsmi_sampled", "best_epoch",
           "history", "failed", "failed_epoch", "restarts")  # fmt: skip
_TENSORS = ("best_val", "smoothed", "step")


@dataclass(frozen=True)
class Checkpoint:
    """Where a batch's state is saved every epoch: ``path`` (.npz), for settings ``identity``."""

    path: Path
    identity: str

    def save(self, arrays: dict[str, np.ndarray]) -> None:
        """Replace the checkpoint atomically with ``arrays`` (from :func:`state_dict`)."""
        partial = self.path.with_name(self.path.name + ".new")
        with partial.open("wb") as handle:
            np.savez(handle, identity=np.array(self.identity), **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, self.path)

    def load(self) -> dict[str, np.ndarray] | None:
        """The saved state, or None if there is none or it is of other settings."""
        if not self.path.is_file():
            return None
        with np.load(self.path) as data:
            if str(data["identity"]) != self.identity:
                return None
            return {k: data[k] for k in data.files if k != "identity"}

    def epoch(self) -> int | None:
        """The epochs the saved state has finished, or None (no checkpoint of these settings)."""
        if not self.path.is_file():
            return None
        with np.load(self.path) as data:
            return int(data["epoch"]) if str(data["identity"]) == self.identity else None

    def discard(self) -> None:
        """Remove the checkpoint and any interrupted save of it (the result is written)."""
        self.path.unlink(missing_ok=True)
        self.path.with_name(self.path.name + ".new").unlink(missing_ok=True)


def state_dict(
    state: Replicas, shared: np.random.Generator, taus: list[float], result: BatchResult, epoch: int
) -> dict[str, np.ndarray]:
    """Everything to continue after ``epoch`` epochs, as named numpy arrays."""
    arrays: dict[str, np.ndarray] = {
        "epoch": np.array(epoch),
        "taus": np.asarray(taus, np.float64),
        "shared": np.array(json.dumps(shared.bit_generator.state)),
        "ids": state.ids,
        "best_epoch": state.best_epoch,
        "started": state.started,
        "restarts": state.restarts,
        "noise_gens": np.stack([g.get_state().numpy() for g in state.noise_gens]),
    }
    arrays |= {name: getattr(state, name).cpu().numpy() for name in _TENSORS}
    for group in state.parameter_groups:
        arrays |= {f"{group}/{k}": t.cpu().numpy() for k, t in getattr(state, group).items()}
    for k, (m1, m2) in state.moments.items():
        arrays |= {f"moments/{k}/0": m1.cpu().numpy(), f"moments/{k}/1": m2.cpu().numpy()}
    arrays |= {f"result/{name}": getattr(result, name) for name in _RESULT}
    arrays["result/candidates"] = np.array(result.candidates)
    return arrays


def load_state_dict(
    saved: dict[str, np.ndarray],
    state: Replicas,
    shared: np.random.Generator,
    result: BatchResult,
) -> tuple[int, list[float]]:
    """Restore ``saved`` into freshly created ``state`` (all runs), ``shared`` and ``result``;
    returns (the epoch to continue from, the relaxation schedule so far)."""
    state.keep(np.isin(state.ids, saved["ids"]))
    device = state.best_val.device

    def tensor(key: str) -> torch.Tensor:
        return torch.from_numpy(np.array(saved[key])).to(device)

    for group in state.parameter_groups:
        setattr(state, group, {k: tensor(f"{group}/{k}") for k in getattr(state, group)})
    state.moments = {k: [tensor(f"moments/{k}/0"), tensor(f"moments/{k}/1")] for k in state.moments}
    for name in _TENSORS:
        setattr(state, name, tensor(name))
    state.best_epoch = np.array(saved["best_epoch"])
    state.started, state.restarts = np.array(saved["started"]), np.array(saved["restarts"])
    for gen, gen_state in zip(state.noise_gens, saved["noise_gens"], strict=True):
        gen.set_state(torch.from_numpy(np.array(gen_state)))
    shared.bit_generator.state = json.loads(str(saved["shared"]))
    for name in _RESULT:
        getattr(result, name)[...] = saved[f"result/{name}"]
    result.candidates = int(saved["result/candidates"])
    return int(saved["epoch"]), [float(t) for t in saved["taus"]]
