"""Work that cannot fit in memory, refused before it starts, naming the option to change.

:func:`require_fits` compares an estimate of the bytes a command will hold
against what the machine has available now (``MemAvailable`` of
/proc/meminfo; the physical memory where that is not readable). Estimates are
lower bounds of what the arrays need, so a refusal is never a false alarm;
work close to the limit still runs (and may still be killed).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from rsmine.errors import InputError

_MEMINFO = Path("/proc/meminfo")


def available_bytes() -> int:
    """Bytes of memory available to a new allocation now."""
    try:
        for line in _MEMINFO.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} PiB"


def require_fits(option: str, value: Any, needed: float, what: str, advice: str) -> None:
    """Refuse with :class:`InputError` when ``needed`` bytes exceed the available memory.

    option, value: the command-line option (e.g. "--runs") whose value sets the size;
    what: what the bytes hold; advice: what to do instead.
    """
    free = available_bytes()
    if needed > free:
        raise InputError(
            f"{option} {value}: {what} needs at least {_size(needed)} of memory, more than the "
            f"{_size(free)} available; {advice}"
        )
