"""Test helper: start a real ``rsmine`` writer and wait until it holds its output's lock."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from rsmine.writer_lock import lock_path


def start_writer(cmd: list, out: Path, timeout: float = 60.0) -> subprocess.Popen:
    """Start ``cmd`` (stdout, stderr piped) and return once it holds the lock of ``out``."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + timeout
    while not lock_path(out).exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return proc
