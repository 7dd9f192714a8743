"""One writer per output: an exclusive lock on ``<out>.lock`` beside a store being built.

Every command that writes a store takes the lock before any work and holds it
until the store is complete or cleaned up; a second writer of the same path is
refused at once with an :class:`InputError` naming the path and the holder's
process id. The lock is ``fcntl.flock`` on a file beside the output (so it
works for any path the user may write, and dies with its process: a killed
writer leaves at most a stale, unlocked file, which the next writer takes over).
Creating the lock file is also the first real write in the output's directory,
so an unwritable place (``/proc``, a read-only mount) is refused before any work.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rsmine.errors import InputError


def lock_path(out: str | Path) -> Path:
    """The lock file of output ``out``: ``<out>.lock`` in the same directory."""
    out = Path(out)
    return out.with_name(out.name + ".lock")


@dataclass
class WriterLock:
    """A held lock: its file and open descriptor; :meth:`release` removes the file."""

    path: Path
    fd: int

    @classmethod
    def acquire(cls, out: str | Path) -> WriterLock:
        """Take the lock of ``out`` without waiting; InputError if another process holds it
        or the lock file cannot be created."""
        path = lock_path(out)
        while True:
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise InputError(
                    f"output {out}: cannot write in {path.parent} ({exc.strerror})"
                ) from exc
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                os.close(fd)
                raise InputError(
                    f"output {out}: another rsmine process (pid {holder}) is writing it "
                    f"(lock {path}); wait for it to finish or choose another --out"
                ) from None
            if _same_file(fd, path):
                break
            os.close(fd)  # the holder removed the file between our open and flock: retry
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return cls(path, fd)

    def release(self) -> None:
        """Remove the lock file, then drop the lock."""
        if _same_file(self.fd, self.path):
            self.path.unlink()
        os.close(self.fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


@contextmanager
def holding(out: str | Path) -> Iterator[WriterLock]:
    """Hold the lock of ``out`` for the block (see :meth:`WriterLock.acquire`)."""
    lock = WriterLock.acquire(out)
    try:
        yield lock
    finally:
        lock.release()
