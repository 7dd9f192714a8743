"""Figure of the rotation experiment: RSMI against the rotation angle of a filter pair
(Fig. 9g; :mod:`rsmine.experiments.rotation`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from rsmine.figures.style import BITS, colours, save


def rsmi_vs_angle(
    tables: Mapping[str, pd.DataFrame],
    flat: Mapping[str, Mapping[str, float]],
    title: str,
    *,
    path: str | Path | None = None,
) -> Figure:
    """Mean RSMI ± standard error over repeats against θ, one line per label (T): in bits
    (left) and relative to its mean over θ (right, where flatness compares across T), with
    the flatness statistics in the legend.

    tables: label -> :func:`rsmine.experiments.rotation.rsmi_vs_angle` table (nats);
    flat: label -> its :func:`rsmine.experiments.rotation.flatness`.
    """
    fig = Figure(figsize=(10.0, 4.0), layout="constrained")
    absolute, relative = fig.subplots(1, 2)
    for colour, (label, table) in zip(
        colours("plasma", len(tables), top=0.8), tables.items(), strict=True
    ):
        ok = table[~table["failed"].astype(bool)]
        by = ok.groupby("angle")["rsmi"]
        mean, err = by.mean(), by.std(ddof=1) / np.sqrt(by.count())
        stats = flat[label]
        style = {"color": colour, "marker": "o", "ms": 4, "capsize": 2}
        absolute.errorbar(mean.index, mean * BITS, err * BITS, label=label, **style)
        scale = abs(stats["mean"]) or 1.0  # a mean ≤ 0 (no information) keeps error bars ≥ 0
        relative.errorbar(
            mean.index,
            mean / scale,
            err / scale,
            **style,
            label=f"{label}: range/err {stats['range_over_error']:.1f}, p={stats['p_value']:.2g}",
        )
    for ax in (absolute, relative):
        ax.set_xticks(np.arange(5) * math.pi / 8, ["0", "π/8", "π/4", "3π/8", "π/2"])
        ax.set_xlabel("rotation angle θ of the filter pair [rad]")
        ax.legend(fontsize="small")
    absolute.set_ylabel("RSMI $I_\\Lambda(H:E)$ [bits]")
    absolute.set_ylim(bottom=0)
    relative.set_ylabel("RSMI / |its mean over θ|")
    relative.axhline(1.0, color="0.7", lw=0.6, zorder=0)
    fig.suptitle(title)
    return save(fig, path)
