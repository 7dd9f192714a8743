"""The outcome of a replica batch: filters, honest RSMI estimates, history, failures."""

from dataclasses import dataclass, field

import numpy as np


@dataclass
class BatchResult:
    """Outcome of R runs (all float arrays float32, estimates in nats).

    filters (R, F, n_visible) with F = C (binary, continuous) or C·q (categorical);
    rsmi (R,) the bound of hard H (what ``rsmine coarse-grain`` writes) on the whole test part
    as one set of ``candidates`` (K = test configurations), never used for any decision;
    rsmi_se (R,) its standard error; rsmi_val (R,) the best validation estimate, scored the
    same way; rsmi_train (R,) the training part scored with K = candidates too (the gap to
    rsmi measures memorisation); rsmi_sampled (R,) the training-time estimate on the test part
    (H sampled, minibatches of the training K), a diagnostic; inputs: the standardisation
    (:mod:`rsmine.estimator.train.standardise`: v_centre, v_scale (n_visible,), e_centre,
    e_scale (n_env,)); best_epoch (R,) int32; history (R, epochs, 2) per-epoch [training
    minibatch mean, validation], NaN after a run stopped; failed (R,) bool (non-finite loss;
    its rsmi* are NaN); failed_epoch (R,) int32, -1 when not failed; restarts (R,) int32: how
    often the run started again from the plateau (:mod:`.restart`); tau (steps,) the
    Gumbel-softmax relaxation used at each optimisation step.
    """

    filters: np.ndarray
    rsmi: np.ndarray
    rsmi_se: np.ndarray
    rsmi_val: np.ndarray
    rsmi_train: np.ndarray
    rsmi_sampled: np.ndarray
    best_epoch: np.ndarray
    history: np.ndarray
    failed: np.ndarray
    failed_epoch: np.ndarray
    restarts: np.ndarray
    tau: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    inputs: dict[str, np.ndarray] = field(default_factory=dict)
    candidates: int = 0

    @property
    def v_centre(self) -> np.ndarray:
        """(n_visible,) the μ of Λ's input (v − μ)/σ (zeros with ``centre`` off)."""
        return self.inputs["v_centre"]

    @classmethod
    def empty(cls, runs: int, rows: int, n_visible: int, epochs: int) -> "BatchResult":
        """All estimates NaN, best epochs -1, nothing failed: filled as replicas finish."""
        nan = np.full(runs, np.nan, np.float32)
        return cls(
            filters=np.full((runs, rows, n_visible), np.nan, np.float32),
            rsmi=nan.copy(),
            rsmi_se=nan.copy(),
            rsmi_val=nan.copy(),
            rsmi_train=nan.copy(),
            rsmi_sampled=nan.copy(),
            best_epoch=np.full(runs, -1, np.int32),
            history=np.full((runs, epochs, 2), np.nan, np.float32),
            failed=np.zeros(runs, bool),
            failed_epoch=np.full(runs, -1, np.int32),
            restarts=np.zeros(runs, np.int32),
        )
