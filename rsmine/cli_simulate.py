"""``rsmine simulate ising|chipping|dimers``: the samplers' subcommands of :mod:`rsmine.cli`."""

from __future__ import annotations

import argparse

from rsmine import running


def temperature(text: str) -> float:
    """A temperature: a float, or ``inf``."""
    try:
        return float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a number or 'inf', got {text!r}") from exc


def _add_common_simulate(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=int, required=True, help="root seed (SeedSequence entropy)")
    p.add_argument("--out", required=True, help="output sample store (Zarr directory)")


def _add_ising(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ising", help="2-D Ising model (Wolff / checkerboard Metropolis)")
    p.add_argument("--L", type=int, required=True, help="linear size of the L x L torus")
    p.add_argument("--T", type=temperature, required=True, help="temperature (0 and inf exact)")
    p.add_argument("--J", type=float, default=1.0, help="coupling: +1 ferro, -1 antiferro")
    p.add_argument("--samples", type=int, required=True, help="number of stored samples")
    p.add_argument("--chains", type=int, default=4, help="independent Markov chains")
    _add_common_simulate(p)
    p.set_defaults(handler=_run_ising, writes="samples", on_interrupt=running.FRESH)


def _run_ising(args: argparse.Namespace) -> None:
    from rsmine.models import ising

    ising.simulate_store(
        args.out,
        L=args.L,
        T=args.T,
        J=args.J,
        samples=args.samples,
        chains=args.chains,
        seed=args.seed,
    )


def _add_chipping(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("chipping", help="1-D chipping-aggregation chain")
    p.add_argument("--L", type=int, required=True, help="number of sites of the ring")
    p.add_argument("--w", type=float, required=True, help="aggregation rate (chipping rate 1)")
    p.add_argument("--density", type=float, default=1.0, help="mass density rho")
    p.add_argument("--samples", type=int, required=True, help="number of stored samples")
    p.add_argument("--chains", type=int, default=4, help="independent Markov chains")
    _add_common_simulate(p)
    p.set_defaults(handler=_run_chipping, writes="samples", on_interrupt=running.FRESH)


def _run_chipping(args: argparse.Namespace) -> None:
    from rsmine.models import chipping

    chipping.simulate_store(
        args.out,
        L=args.L,
        w=args.w,
        density=args.density,
        samples=args.samples,
        chains=args.chains,
        seed=args.seed,
    )


def _add_dimers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dimers", help="interacting dimers by directed loops (MPI-parallel)")
    p.add_argument("--n", type=int, required=True, help="vertices per side (even, >= 2)")
    p.add_argument("--T", type=temperature, required=True, help="temperature (>= 0.1, or inf)")
    p.add_argument("--chains", type=int, required=True, help="independent chains")
    p.add_argument("--sweeps", type=int, required=True, help="stored samples per chain")
    p.add_argument(
        "--subsweeps", type=int, default=None, help="sub-sweeps per sweep (default ceil(2/T))"
    )
    p.add_argument(
        "--thermalise", type=int, default=None, help="thermalisation sweeps (default 50)"
    )
    p.add_argument(
        "--tables",
        choices=("minimal-bounce", "heat-bath"),
        default="minimal-bounce",
        help="directed-loop scattering tables",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="complete an interrupted store (chains already written are kept)",
    )
    _add_common_simulate(p)
    p.set_defaults(
        handler=_run_dimers, writes="samples", locks_itself=True, on_interrupt=running.DIMERS_KEPT
    )


def _run_dimers(args: argparse.Namespace) -> None:
    from rsmine.models.dimers import driver

    driver.simulate_store(
        args.out,
        n=args.n,
        T=args.T,
        chains=args.chains,
        sweeps=args.sweeps,
        subsweeps=args.subsweeps,
        thermalise=args.thermalise,
        tables=args.tables,
        seed=args.seed,
        resume=args.resume,
    )


def add_simulate(commands: argparse._SubParsersAction) -> None:
    """The ``simulate`` command with one subcommand per model."""
    simulate = commands.add_parser(
        "simulate",
        help="Monte Carlo samples (ising, chipping, dimers) -> a samples store",
        description="Monte Carlo samples of one model at one parameter point -> a samples store.",
    ).add_subparsers(title="models", dest="model", required=True, metavar="MODEL")
    for add in (_add_ising, _add_chipping, _add_dimers):
        add(simulate)
