"""Figures of the chipping–aggregation chain: the single-site mass marginals (Fig. 12a) and
the RSMI against w beside its exact and model-free baselines (Fig. 12b)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from rsmine.analysis.chipping.marginals import StoreMarginal
from rsmine.analysis.rsmi.transition import shape_of
from rsmine.figures.style import BITS, colours, mark_transition, save, transition_mark

H_COLOURS = {"binary": "tab:blue", "continuous": "tab:orange"}
"""Colour of each coarse variable H in Fig. 12b (other embeddings: grey)."""


def mass_marginals(
    marginals: Sequence[StoreMarginal], title: str, *, path: str | Path | None = None
) -> Figure:
    """p(m) per aggregation rate w on log-log axes, one line per sample store (Fig. 12a).

    marginals: :func:`~rsmine.analysis.chipping.marginals.read_marginals`, with error
    bars of one standard error.
    """
    fig = Figure(figsize=(6.0, 4.2), layout="constrained")
    ax = fig.subplots()
    for colour, found in zip(colours("viridis", len(marginals), top=0.9), marginals, strict=True):
        ax.errorbar(
            found.marginal.mass,
            found.marginal.density,
            found.marginal.error,
            fmt="o-",
            ms=2.5,
            lw=1,
            color=colour,
            label=f"w = {found.w:.3g}",
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("site mass m (m ≥ 1; wide bins above m = 10)")
    ax.set_ylabel("p(m) [probability per unit mass]")
    ax.set_title(title)
    ax.legend(fontsize="small", title="aggregation rate (chipping 1)", title_fontsize="x-small")
    return save(fig, path)


def transition_text(shape: str, table: pd.DataFrame | None) -> str:
    """What the transition method made of a curve: its shape and, for a learned curve with a
    transition table (:func:`rsmine.analysis.rsmi.transition.transition_table`, method
    ``rsmi``), the estimate and 95 % interval; "no step or peak" for a curve with neither."""
    if table is not None:
        row = table[table["method"] == "rsmi"].iloc[0]
        shape = row["shape"]
        if math.isfinite(row["estimate"]):
            where = {"step": "steepest change", "peak": "vertex"}[shape]
            return (
                f"{shape}: {where} at w = {row['estimate']:.2g} "
                f"[{row['ci_low']:.2g}, {row['ci_high']:.2g}]"
            )
    return f"{shape}" if shape != "none" else "no step or peak (no estimate)"


def rsmi_baselines(
    learned: Sequence[tuple[pd.DataFrame, pd.DataFrame | None]],
    baselines: pd.DataFrame,
    title: str,
    *,
    path: str | Path | None = None,
) -> Figure:
    """Fig. 12b with its baselines: RSMI (bits) against the aggregation rate w (log axis).

    learned: per learned system, its :func:`~rsmine.analysis.chipping.baselines.learned_curve`
    (one lb) and its transition table (or None): the validation-best run's test RSMI ± its
    standard error, a solid line per H (colour) and environment (thin: grey edge).
    baselines: :func:`~rsmine.analysis.chipping.baselines.baselines_table`: the model-free
    references per H, dashed (ring) and dotted (thin environment), ± 1 standard error, and the
    exact w = 0 values as stars at the axis' left end (tick "0"). Each legend entry names the
    curve's shape (step, peak or neither, at 3 standard errors) and, for a learned curve, the
    transition estimate its shape calls for.
    """
    fig = Figure(figsize=(8.5, 6.4), layout="constrained")
    ax = fig.subplots()
    w_all = np.sort(baselines["w"].unique())
    zero = w_all[0] / 3.0  # where w = 0 sits on the log axis
    for (env, h), rows in baselines.groupby(["environment", "H"], sort=False):
        rows = rows.sort_values("w")
        colour = H_COLOURS.get(h, "0.4")
        ls, face = ("--", colour) if env == "ring" else (":", "white")
        mi, se = rows["model_free"].to_numpy(), rows["model_free_se"].to_numpy()
        shape = shape_of(mi, se)
        verdict = "no step or peak" if shape == "none" else shape
        ax.errorbar(
            rows["w"],
            mi * BITS,
            se * BITS,
            fmt="s" + ls,
            color=colour,
            mfc=face,
            ms=4,
            lw=1,
            capsize=2,
            label=f"model-free, {h} H, {env} (le {rows['le'].iloc[0]}): {verdict}",
        )
        ax.plot(
            [zero],
            [rows["exact_w0"].iloc[0] * BITS],
            "*",
            ms=11,
            color=colour,
            mfc=face,
            label=f"exact at w = 0, {h} H, {env}",
        )
    for curve, table in learned:
        h, le = curve["H"].iloc[0], curve["le"].iloc[0]
        colour = H_COLOURS.get(h, "0.4")
        edge = (
            colour
            if le == baselines.loc[baselines["environment"] == "ring", "le"].iloc[0]
            else "0.3"
        )
        shape = shape_of(curve["best"], curve["best_se"].fillna(0.0))
        ax.errorbar(
            curve["w"],
            curve["best"] * BITS,
            curve["best_se"] * BITS,
            fmt="o-",
            color=colour,
            mec=edge,
            mew=1.5,
            ms=6,
            lw=1.8,
            capsize=2,
            label=f"learned, {h} H, le {le}: {transition_text(shape, table)}",
        )
    mark_transition(ax, transition_mark("chipping"))
    ax.set_xscale("log")
    ticks = [zero, *w_all]
    ax.set_xticks(ticks, ["0\n(exact)", *[f"{w:.3g}" for w in w_all]])
    ax.minorticks_off()
    ax.axvline(np.sqrt(zero * w_all[0]), color="0.7", lw=0.8)
    ax.set_xlabel("aggregation rate w (chipping rate 1); dashed red: mean-field w = 1/3")
    ax.set_ylabel("RSMI I(H : E) [bits]")
    ax.set_ylim(bottom=0)
    first = baselines.drop_duplicates("w").sort_values("w")
    counts = ", ".join(f"{w:.3g}: {n}" for w, n in zip(first["w"], first["samples"], strict=True))
    ax.set_title(
        f"{title}\nring L = {first['L'].iloc[0]}; samples per w: {counts}", fontsize="medium"
    )
    fig.legend(
        *ax.get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize="x-small"
    )
    return save(fig, path)
