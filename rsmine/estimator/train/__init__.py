"""Joint optimisation of coarse-graining filters Λ and critic Θ (Algorithm 1), replica-batched.

The public interface, shared by the CPU and CUDA paths and used by the tests:

- :class:`TrainConfig` and :func:`options` the options (one declaration), :func:`resolve_device`;
- :func:`train_windows` trains a batch of R replicas on windows gathered per minibatch
  (:class:`rsmine.estimator.regions.Windows`) and returns a :class:`BatchResult`;
  :func:`train_batch` does the same on windows already materialised as arrays;
- its parts, for engines and tests that drive the loop themselves: :class:`Setup` (what stays
  fixed), :func:`split` / :class:`Parts` (the data parts on the device), :class:`Replicas`
  (the batched replica state), :func:`run` (the loop), :func:`gradients` (one step's
  hand-written backward), :func:`score_part` (the held-out bound of hard H on a whole part).

Modules: config, parts, setup, replicas, groups (replica groups on a CPU's threads), backward,
adam, evaluation, stopping, lbfgs, result, loop — one concept each.
"""

import importlib

# name -> module: loaded on first use, so that the options (config) load without torch
_HOMES = {
    "FILTERS": "replicas",
    "BatchResult": "result",
    "Option": "config",
    "Parts": "parts",
    "Replicas": "replicas",
    "Setup": "setup",
    "TrainConfig": "config",
    "score_part": "evaluation",
    "gradients": "backward",
    "options": "config",
    "resolve_device": "config",
    "run": "loop",
    "sampled_estimate": "evaluation",
    "split": "parts",
    "train_batch": "loop",
    "train_windows": "loop",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str):
    """Lazy exports (see ``_HOMES``)."""
    if name in _HOMES:
        return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
