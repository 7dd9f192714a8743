"""Joint optimisation of coarse-graining filters Λ and critic Θ (Algorithm 1), replica-batched.

The public interface, shared by the CPU and CUDA paths and used by the tests:

- :class:`TrainConfig` the options (one declaration), :func:`resolve_device`;
- :func:`train_batch` trains a batch of R replicas and returns a :class:`BatchResult`;
- its parts, for engines and tests that drive the loop themselves: :class:`Setup` (what stays
  fixed), :func:`split` / :class:`Parts` (the data parts on the device), :class:`Replicas`
  (the batched replica state), :func:`run` (the loop), :func:`gradients` (one step's
  hand-written backward), :func:`evaluate` (the bound with exactly discrete H on a part).

Modules: config, split, setup, replicas, backward, adam, evaluate, stopping, lbfgs, result,
loop — one concept each.
"""

from rsmine.estimator.train.backward import gradients
from rsmine.estimator.train.config import TrainConfig, resolve_device
from rsmine.estimator.train.evaluate import evaluate
from rsmine.estimator.train.loop import run, train_batch
from rsmine.estimator.train.replicas import FILTERS, Replicas
from rsmine.estimator.train.result import BatchResult
from rsmine.estimator.train.setup import Setup
from rsmine.estimator.train.split import Parts, split

__all__ = [
    "FILTERS",
    "BatchResult",
    "Parts",
    "Replicas",
    "Setup",
    "TrainConfig",
    "evaluate",
    "gradients",
    "resolve_device",
    "run",
    "split",
    "train_batch",
]
