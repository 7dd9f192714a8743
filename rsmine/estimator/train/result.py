"""The outcome of a replica batch: filters, honest RSMI estimates, history, failures."""

from dataclasses import dataclass, field

import numpy as np


@dataclass
class BatchResult:
    """Outcome of R runs (all float arrays float32, estimates in nats).

    filters (R, F, n_visible) with F = C (binary, continuous) or C·q (categorical);
    rsmi (R,) test part, exact discrete H, never used for any decision; rsmi_val (R,) best
    validation estimate; rsmi_train (R,) training part with exact discrete H (the gap to rsmi
    measures memorisation); v_centre (n_visible,) the μ that Λ's input v − μ is centred on
    (zeros with ``centre`` off); best_epoch (R,) int32; history (R, epochs, 2) per-epoch
    [training minibatch mean, validation], NaN after a run stopped; failed (R,) bool
    (non-finite loss; its rsmi* are NaN); failed_epoch (R,) int32, -1 when not failed;
    tau (steps,) the Gumbel-softmax relaxation used at each optimisation step.
    """

    filters: np.ndarray
    rsmi: np.ndarray
    rsmi_val: np.ndarray
    rsmi_train: np.ndarray
    best_epoch: np.ndarray
    history: np.ndarray
    failed: np.ndarray
    failed_epoch: np.ndarray
    tau: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    v_centre: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))

    @classmethod
    def empty(cls, runs: int, rows: int, n_visible: int, epochs: int) -> "BatchResult":
        """All estimates NaN, best epochs -1, nothing failed: filled as replicas finish."""
        nan = np.full(runs, np.nan, np.float32)
        return cls(
            filters=np.full((runs, rows, n_visible), np.nan, np.float32),
            rsmi=nan.copy(),
            rsmi_val=nan.copy(),
            rsmi_train=nan.copy(),
            best_epoch=np.full(runs, -1, np.int32),
            history=np.full((runs, epochs, 2), np.nan, np.float32),
            failed=np.zeros(runs, bool),
            failed_epoch=np.full(runs, -1, np.int32),
        )
