"""Progress bars for long work: tqdm on stderr, silent when stderr is not a terminal."""

from __future__ import annotations

import sys

from tqdm import tqdm


def progress(total: int, desc: str, unit: str = "it") -> tqdm:
    """A progress bar over ``total`` units, shown only on an interactive terminal."""
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, disable=not sys.stderr.isatty())


def summary(command: str, message: str) -> None:
    """The one summary line a long command logs at its end (stderr)."""
    print(f"rsmine {command}: {message}", file=sys.stderr, flush=True)
