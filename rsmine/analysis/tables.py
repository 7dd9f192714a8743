"""Result tables as CSV files: units in the column names, 4 significant digits."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

DIGITS = 4
"""Significant digits of every float written to a result table."""


def significant(value: Any, digits: int = DIGITS) -> Any:
    """A float rounded to ``digits`` significant digits (other values unchanged)."""
    if isinstance(value, float) and math.isfinite(value) and value != 0:
        return round(value, digits - 1 - math.floor(math.log10(abs(value))))
    return value


def write_csv(
    table: pd.DataFrame, path: str | Path, names: Mapping[str, str] | None = None
) -> Path:
    """Write ``table`` as CSV, floats to :data:`DIGITS` significant digits.

    names: columns renamed in the file (e.g. ``{"mean": "rsmi_mean_nats"}``) so that
    each column names its unit.
    """
    out = table.rename(columns=dict(names or {}))
    for name in out.columns:
        if pd.api.types.is_float_dtype(out[name]):
            out[name] = out[name].map(significant)
    out.to_csv(path, index=False)
    return Path(path)
