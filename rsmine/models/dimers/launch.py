"""Launching the dimer sampler under MPI: refuse launches that are not one job of N ranks,
hold one writer lock for the whole job, and abort every rank when one fails."""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rsmine.errors import InputError
from rsmine.writer_lock import WriterLock

# how many tasks the launcher started, as it tells them: MPICH's PMI (mpiexec, srun
# --mpi=pmi2), Open MPI, and srun itself (set only in tasks that srun started)
_LAUNCHED_TASKS = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "SLURM_STEP_NUM_TASKS")
_ABORT_GRACE_S = 1.0
_SPEAKER_LINGER_S = 0.3
"""Seconds rank 0 waits after its interruption line: mpiexec forwards it before tearing down."""
_SILENT_LINGER_S = 0.8
"""Seconds the other ranks wait before ending: the first rank to end makes mpiexec kill the
rest, which must not be rank 0 with its line unsaid."""


def check_launch(ranks: int, chains: int, environ: Mapping[str, str]) -> None:
    """Refuse N single-rank copies of the job, and more MPI ranks than chains.

    ranks: the size of MPI.COMM_WORLD; environ: this process's environment, where the
    launcher says how many tasks it started (``_LAUNCHED_TASKS``, first one set).
    """
    name = next((key for key in _LAUNCHED_TASKS if environ.get(key, "").isdigit()), None)
    started = int(environ[name]) if name else 1
    if ranks == 1 and started > 1:
        raise InputError(
            f"the launcher started {started} tasks ({name}={started}) but MPI sees each one "
            f"as a job of 1 rank, so {started} copies would each write the whole store: the "
            f"launcher gave MPI no PMI. Launch with `srun --mpi=pmi2 -n {started}` or "
            f"`mpiexec -n {started}`"
        )
    if ranks > chains:
        raise InputError(
            f"{ranks} MPI ranks for --chains {chains}: a rank without a chain would idle; "
            f"start at most {chains} ranks (or raise --chains)"
        )


def lock(comm: Any, out: Path) -> WriterLock | None:
    """Rank 0 takes the writer lock of ``out`` and tells every rank; all refuse if it failed."""
    lock, refusal = None, None
    if comm.Get_rank() == 0:
        try:
            lock = WriterLock.acquire(out)
        except InputError as exc:
            refusal = str(exc)
    refusal = comm.bcast(refusal, root=0)
    if refusal is not None:
        raise InputError(refusal)
    return lock


def abort(comm: Any, exc: BaseException) -> None:
    """Report ``exc`` in one write, give mpiexec a moment to forward it, abort every rank."""
    report = "".join(traceback.format_exception(exc))
    sys.stderr.write(f"rsmine simulate dimers: rank {comm.Get_rank()} failed:\n{report}")
    sys.stderr.flush()
    time.sleep(_ABORT_GRACE_S)  # MPI_Abort kills the I/O forwarding with it
    comm.Abort(1)


def linger(rank: int, ranks: int) -> float:
    """Seconds an interrupted rank waits before it ends (:class:`~rsmine.interrupts.Interrupted`'s
    ``linger``): 0 alone; with several ranks rank 0 briefly after its one line, the others
    longer, so that rank 0 ends first and its line reaches the launcher's stderr."""
    if ranks == 1:
        return 0.0
    return _SPEAKER_LINGER_S if rank == 0 else _SILENT_LINGER_S
