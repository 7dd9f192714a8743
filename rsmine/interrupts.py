"""Clean ends on SIGINT and SIGTERM: an exception that unwinds the work, then one line.

:func:`installed` makes both signals raise :class:`Interrupted` in the main
thread (once: a second signal during the clean-up is ignored). The exception
unwinds like any error (temporary stores removed, locks released) and the
command line prints one line saying what was interrupted, what was kept and
how to continue, then ends the process at once (so worker threads still inside
a numba kernel do not hold it up), with exit code 128 + the signal number.

Thread pools that run kernels are opened with :func:`thread_pool`, which on
an exception does not wait for running tasks.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """Raised in the main thread by SIGINT or SIGTERM inside :func:`installed`.

    ``report`` is False on the MPI ranks that should stay silent (rank 0 speaks); ``linger``
    is how long, in seconds, the process waits after its line before it ends (MPI ranks: see
    :func:`rsmine.models.dimers.launch.linger`).
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.report = True
        self.linger = 0.0

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def _raise(signum: int, frame: FrameType | None) -> None:
    for sig in SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    raise Interrupted(signum)


@contextmanager
def installed() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise :class:`Interrupted`; the previous handlers
    are restored after it. Outside the main thread (where handlers cannot be set) a no-op."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _raise) for sig in SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def thread_pool(workers: int) -> Iterator[ThreadPoolExecutor]:
    """A thread pool that waits for its tasks on success, and not on an exception."""
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
