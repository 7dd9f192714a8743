"""``rsmine info``: a human-readable summary of any rsmine store."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from rsmine import integrity
from rsmine.errors import InputError
from rsmine.stores.directory import _open_group


def describe(path: str | Path) -> str:
    """A human-readable summary of any rsmine store (``rsmine info``)."""
    path = Path(path)
    group = _open_group(path)
    attrs = dict(group.attrs)
    lines = [
        f"{path}",
        f"  kind: {attrs.get('kind', '?')}   complete: {attrs.get('complete', False)}   "
        f"rsmine {attrs.get('rsmine_version', '?')}   created {attrs.get('created', '?')}",
    ]
    for name in sorted(group.array_keys()):
        array = group[name]
        dims = array.metadata.dimension_names or ()
        axes = ", ".join(f"{d}={s}" for d, s in zip(dims, array.shape, strict=False)) or str(
            array.shape
        )
        lines.append(f"  {name:<14} {array.dtype!s:<8} ({axes})")
    if attrs.get("kind") == "runs" and {"rsmi", "failed"} <= set(group.array_keys()):
        lines.append(_rsmi_line(np.asarray(group["rsmi"][...]), np.asarray(group["failed"][...])))
    params = attrs.get("params")
    if isinstance(params, Mapping):
        lines.extend(f"  params.{key}: {_brief(value)}" for key, value in params.items())
    elif params is not None:
        lines.append(f"  params: {_brief(params)}")
    if "seed" in attrs:
        lines.append(f"  seed: {_brief(attrs['seed'])}")
    lines.append(f"  integrity: {_integrity(path, attrs)}")
    shown = {"kind", "complete", "rsmine_version", "created", "params", "seed", integrity.ATTR}
    extra = sorted(set(attrs) - shown)
    lines.extend(f"  {key}: {_brief(attrs[key])}" for key in extra)
    return "\n".join(lines)


def _integrity(path: Path, attrs: dict[str, Any]) -> str:
    """The manifest's summary, or the damage :func:`rsmine.integrity.verify` finds."""
    try:
        integrity.verify(path, attrs)
    except InputError as exc:
        return f"DAMAGED: {exc}"
    return integrity.status(attrs)


def _brief(value: Any, width: int = 160) -> str:
    """An attr value on one line: long lists as their length, long mappings by their keys."""
    text = str(value)
    if len(text) <= width:
        return text
    if isinstance(value, list | tuple):
        return f"[{len(value)} entries]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}: {_brief(v, 40)}" for key, v in value.items()) + "}"
    return text[: width - 1] + "…"


def _rsmi_line(rsmi: np.ndarray, failed: np.ndarray) -> str:
    """RSMI over the finished runs of a runs store: mean ± standard error, range (nats)."""
    ok = rsmi[~failed.astype(bool)].astype(np.float64)
    if ok.size == 0:
        return f"  RSMI: no finished run ({int(failed.sum())} failed)"
    sem = ok.std(ddof=1) / np.sqrt(ok.size) if ok.size > 1 else float("nan")
    return (
        f"  RSMI (test part, nats): mean {ok.mean():.4f} ± {sem:.4f} over {ok.size} runs, "
        f"min {ok.min():.4f}, max {ok.max():.4f}; {int(failed.sum())} failed"
    )
