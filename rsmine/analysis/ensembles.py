"""An ensemble store read back as a table of runs (layout: :mod:`rsmine.stores.ensemble`;
written by :mod:`rsmine.aggregate`). Mutual information in nats throughout."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rsmine.stores import ensemble as ensemble_store
from rsmine.stores.ensemble import COORDINATES
from rsmine.stores.runs import OPTIONAL_PER_RUN, PER_RUN, Runs

__all__ = ["COORDINATES", "read_ensemble", "run_table"]


def read_ensemble(path: str | Path) -> pd.DataFrame:
    """One row per run: point, control, lb, components, run_id, failed, best_epoch,
    rsmi, rsmi_val, rsmi_train (nats), and rsmi_se, rsmi_sampled where the store has them."""
    return run_table(ensemble_store.read_ensemble(path))


def run_table(ensemble: Runs) -> pd.DataFrame:
    """The rows of :func:`read_ensemble` from a loaded ensemble store."""
    names = (*COORDINATES, *PER_RUN, *(n for n in OPTIONAL_PER_RUN if n in ensemble))
    frame = pd.DataFrame({name: ensemble[name] for name in names})
    frame.insert(0, "point", ensemble_store.point_labels(ensemble))
    return frame
