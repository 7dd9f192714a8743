"""How one ``rsmine`` command runs: output checked and locked, faults turned into one line.

:func:`run` is what :func:`rsmine.cli.main` does with parsed arguments: for a
command that writes a store (``writes``) it checks ``--out``
(:func:`rsmine.stores.check_output`) and holds the output's writer lock
(:mod:`rsmine.writer_lock`; MPI commands, ``locks_itself``, take it on rank 0)
before any work; it then runs the handler with SIGINT and SIGTERM turned into
:class:`~rsmine.interrupts.Interrupted`. Bad input prints
``rsmine <command>: <message>`` and returns 2; an interrupt prints one line —
what was interrupted, what was kept (the subcommand's ``on_interrupt``), how to
continue — and ends the process with 128 + the signal; a closed stdout
(``rsmine info … | head``) ends quietly with 141.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from rsmine import interrupts
from rsmine.errors import InputError

FRESH = "nothing was written to {out} (a store already there is unchanged); run the same \
command again to start over"
"""What an interrupted writer that keeps nothing says (``on_interrupt`` of a subcommand)."""
DIMERS_KEPT = "the chains finished so far are kept in {out} (incomplete); run the same \
command with --resume to finish it"
OPTIMISE_KEPT = "the training state of the last finished epoch, if one finished, is kept in \
{parent}/.{name}.checkpoint.npz; run the same command again to continue from it"
READ_ONLY = "nothing was written; run the same command again"


def _interrupted(name: str, args: argparse.Namespace, exc: interrupts.Interrupted) -> int:
    """Print the one line of an interrupted command and end the process at once."""
    if exc.report:
        out = Path(getattr(args, "out", "") or ".")
        kept = getattr(args, "on_interrupt", READ_ONLY).format(
            out=out, parent=out.parent, name=out.name
        )
        print(f"rsmine {name}: interrupted by {exc.name}; {kept}", file=sys.stderr, flush=True)
    time.sleep(exc.linger)
    os._exit(exc.exit_code)  # worker threads may still be inside a kernel: do not join them


def _broken_pipe() -> int:
    """stdout's reader went away (``rsmine info ... | head``): end quietly, as SIGPIPE would."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 128 + signal.SIGPIPE


def _work(args: argparse.Namespace) -> None:
    """Check the output and hold its writer lock (if the command writes a store), run it."""
    if not getattr(args, "writes", None):
        args.handler(args)
        return
    from rsmine import stores, writer_lock

    inputs = [getattr(args, name) for name in getattr(args, "inputs", ())]
    stores.check_output(args.out, args.writes, inputs)
    if getattr(args, "locks_itself", False):
        args.handler(args)
        return
    with writer_lock.holding(args.out):
        args.handler(args)


def run(name: str, args: argparse.Namespace) -> int:
    """Run command ``name`` (e.g. "simulate ising") on parsed ``args``; its exit status."""
    try:
        with interrupts.installed():
            _work(args)
            sys.stdout.flush()
    except InputError as exc:
        print(f"rsmine {name}: {exc}", file=sys.stderr)
        return 2
    except interrupts.Interrupted as exc:
        return _interrupted(name, args, exc)
    except BrokenPipeError:
        return _broken_pipe()
    return 0
