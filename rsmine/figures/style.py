"""The helpers every figure of :mod:`rsmine.figures` shares: units, colours, the control axis.

The convention of every figure function in the package: data in (tables, arrays, result
objects, never a store path), a :class:`matplotlib.figure.Figure` out, drawn through the
object API, so that no backend is selected and the figures work alike in a notebook,
a script or a headless job; an optional keyword ``path`` saves the figure (:func:`save`,
the format taken from the suffix). Mutual information arrives in nats and is drawn in bits.

A control axis (temperature, Tc/T, rate) may hold ∞: :func:`control_axis` places it a
gap beyond the largest finite value and :func:`control_ticks` labels it ∞ behind a grey
break. :func:`mark_transition` draws a model's known transition (:func:`transition_mark`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import NullFormatter

from rsmine.errors import InputError
from rsmine.systems import SYSTEMS

BITS = 1.0 / math.log(2.0)
"""Bits per nat."""
DPI = 150
"""Resolution of a saved raster figure, dots per inch."""


@dataclass(frozen=True)
class Mark:
    """A known transition on the control axis of a model.

    value: its control value; error: half-width of its uncertainty (0: exact);
    label: legend text; log_axis: whether that model's control axis reads best on a
    log scale (temperatures and rates spanning decades: dimers, chipping).
    """

    value: float
    error: float
    label: str
    log_axis: bool = False


TRANSITIONS: dict[str, Mark] = {
    name: Mark(s.transition.value, s.transition.error, s.transition.label, s.log_axis)
    for name, s in SYSTEMS.items()
    if s.transition is not None
}
"""Known transition of each model in its control variable (rsmine.systems; Ising: Tc/T = 1)."""


def transition_mark(model: str | None) -> Mark | None:
    """The known transition of ``model`` on its control axis, or None if there is none."""
    return TRANSITIONS.get(model or "")


def colours(cmap: str, n: int, top: float = 0.85) -> np.ndarray:
    """``n`` colours (n, 4) RGBA spread over [0, top] of the colour map ``cmap``."""
    return matplotlib.colormaps[cmap](np.linspace(0, top, n))


def lb_colours(lbs: Iterable[int]) -> dict[int, np.ndarray]:
    """One viridis colour per distinct buffer width, by lb, in increasing lb."""
    ordered = sorted(set(lbs))
    return dict(zip(ordered, colours("viridis", len(ordered)), strict=True))


def control_text(value: float, spec: str = "g") -> str:
    """A control value as text, formatted by ``spec``; ∞ for an infinite one."""
    return "∞" if math.isinf(value) else format(value, spec)


@dataclass(frozen=True)
class ControlAxis:
    """What :func:`control_ticks` needs of an axis set up by :func:`control_axis`.

    values: (n,) the control values; log: a log scale?; at_inf: the x position of ∞
    (None when no value is infinite).
    """

    values: np.ndarray
    log: bool
    at_inf: float | None


def _positions(values: np.ndarray, log: bool | None) -> tuple[np.ndarray, bool, float | None]:
    """x positions for control values: inf placed a gap beyond the largest finite value.

    log: log scale or not; None: log when every finite value is positive and they
    span more than a factor 20.
    Returns (positions, log scale?, position of inf or None).
    """
    finite = values[np.isfinite(values)]
    positive = bool(finite.size and finite.min() > 0)
    auto = positive and finite.max() / finite.min() > 20
    log = positive and (auto if log is None else log)
    if not np.isinf(values).any():
        return values.astype(float), log, None
    top = float(finite.max()) if finite.size else 1.0
    span = top - float(finite.min()) if finite.size else 0.0
    at_inf = top * 2.5 if log else top + max(span * 0.25, abs(top) * 0.5, 0.5)
    return np.where(np.isinf(values), at_inf, values).astype(float), log, at_inf


def control_axis(
    ax: Axes, values: np.ndarray, label: str, log: bool | None
) -> tuple[np.ndarray, ControlAxis]:
    """Set up ax's x axis for control values (n,): the scale and the label (marked when
    logarithmic). log: a log scale or not; None: log when every finite value is positive
    and they span more than a factor 20.
    Returns (x positions (n,), ∞ placed beyond the largest finite value; the state to pass
    to :func:`control_ticks` once everything is drawn)."""
    positions, log, at_inf = _positions(values, log)
    if log:
        ax.set_xscale("log")
    ax.set_xlabel(label + ("  (log scale)" if log else ""))
    return positions, ControlAxis(values, log, at_inf)


def control_ticks(ax: Axes, axis: ControlAxis) -> None:
    """Readable control ticks: on a log axis the values themselves (up to 8 of them) or
    1-2-5 ticks; inf labelled ∞ behind a grey break."""
    values, log, at_inf = axis.values, axis.log, axis.at_inf
    if log:
        ax.set_xscale("log")
    low, high = ax.get_xlim()
    gap = None
    if at_inf is not None:
        gap = at_inf / 1.6 if log else at_inf - 0.5 * (at_inf - low) / 2
    if log:
        finite = np.unique(values[np.isfinite(values)])
        if len(finite) <= 8:
            ticks = list(finite)
        else:
            decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
            ticks = [m * 10.0**d for d in decades for m in (1, 2, 5)]
        ticks = [t for t in ticks if low <= t <= (gap or high)]
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.xaxis.set_minor_formatter(NullFormatter())
    if at_inf is None:
        return
    ticks = [t for t in ax.get_xticks() if low <= t <= gap]
    ax.set_xticks([*ticks, at_inf], [f"{t:g}" for t in ticks] + ["∞"])
    ax.minorticks_off()
    ax.set_xlim(low, high)
    ax.axvspan(gap, (gap * at_inf) ** 0.5 if log else (gap + at_inf) / 2, color="0.93", lw=0)


def mark_transition(ax: Axes, mark: Mark | None) -> list[Line2D]:
    """Draw the known transition as a dashed line (and its uncertainty band); returns its
    legend handles (none without a mark)."""
    if mark is None:
        return []
    ax.axvline(mark.value, color="crimson", ls="--", lw=1, zorder=1)
    if mark.error > 0:
        ax.axvspan(mark.value - mark.error, mark.value + mark.error, color="crimson", alpha=0.12)
    return [Line2D([], [], color="crimson", ls="--", lw=1, label=mark.label)]


IMAGE_FORMATS = ("png", "pdf", "svg")
"""The suffixes a figure may be saved under (:func:`check_path`)."""


def check_path(path: str | Path) -> Path:
    """Refuse, before drawing, a path :func:`save` would fail on or misuse: an existing
    directory, or a suffix not in IMAGE_FORMATS (InputError naming the path)."""
    text, out = str(path), Path(path)
    if out.is_dir() or text.endswith("/"):
        raise InputError(f"{text}: is a directory; expected an image file such as plot.png")
    if out.suffix.lower().lstrip(".") not in IMAGE_FORMATS:
        allowed = ", ".join("." + f for f in IMAGE_FORMATS)
        raise InputError(
            f"{text}: unknown image format {out.suffix or '(none)'!r}; "
            f"expected a name ending in one of {allowed}"
        )
    return out


def save(fig: Figure, path: str | Path | None, dpi: int = DPI) -> Figure:
    """Save ``fig`` at ``path`` (format from its suffix; parent folders made) unless path
    is None; returns the figure."""
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=dpi)
    return fig
