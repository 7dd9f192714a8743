"""Chains of the interacting dimer model into one sample store, MPI-parallel and resumable.

``simulate_store`` is what ``[mpiexec -n P] rsmine simulate dimers`` runs.
Chain c draws all its randomness from ``SeedSequence(seed, spawn_key=(c,))``
(the c-th child of ``SeedSequence(seed)``), so the store is bit-identical for
any number of ranks P. The store goes through the shared
:class:`~rsmine.models.simulation.SampleWriter` in its MPI mode: rank 0 creates
it, every rank writes its own chains into whole chunks (one chain's samples per
chunk) and flags each chain done in ``chain_done``; after a barrier rank 0
records the autocorrelation times and marks the store complete. An exception
on any rank prints the error and aborts the whole job (``MPI.Abort``, non-zero
exit), leaving the store incomplete; ``resume=True`` then keeps the chains
flagged done and computes the rest. mpi4py is imported only here, when a store is simulated.

One chain: a random covering (:mod:`.coverings`), ``thermalise`` sweeps of
``subsweeps`` covering sub-sweeps (worms until every vertex is visited, the
paper's Alg. 2), whose second half also calibrates W = the mean number of
worms such a sub-sweep takes; then ``sweeps`` sweeps of ``subsweeps`` × W
worms each, one stored sample after each sweep. The fixed worm count keeps the
stored samples exactly Boltzmann-distributed (a stopping rule that depends on
the configuration would not). With ``symmetrise`` (the default) each stored
sample is then mapped by an independent, uniformly random lattice symmetry
(:mod:`.sectors`), drawn from the chain's generator after its last sweep: the
distribution stays exact and the four columnar sectors are weighed equally even
where chains never switch sector. The sector weights of the stored samples and
the switches of the unmapped chains are recorded in the ``sectors`` attr.

Before any work every rank checks its launch (:func:`check_launch`): N copies of a
one-rank MPI job (``srun -n N`` where SLURM gives MPI no PMI) would each write the whole
store, and more ranks than chains would idle; both are refused, naming the fix.

Test hook: the environment variable ``RSMINE_DIMERS_FAIL_CHAIN=c`` (an integer)
makes the rank that owns chain c raise before computing it. It exists only to
test failure handling and ``--resume``; never set it otherwise.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import zarr

from rsmine import stores
from rsmine.errors import InputError
from rsmine.interrupts import Interrupted
from rsmine.models import autocorr, simulation
from rsmine.models.dimers import coverings, lattice, launch, loops, sectors
from rsmine.models.dimers.tables import KINDS, scattering_tables
from rsmine.models.simulation import chain_rng
from rsmine.progress import progress, summary

T_MIN = 0.1  # below it the scattering weights span more than e^20 and the worm is frozen
FAIL_CHAIN_ENV = "RSMINE_DIMERS_FAIL_CHAIN"
DEFAULT_THERMALISE = 50
_TAU_WINDOW = 5.0  # Sokal's automatic window: sum the ACF up to t >= 5 tau
_PER_SAMPLE = {  # name: dtype of the per-sample arrays (sample,)
    "energy": np.int32,
    "Dx": np.float64,
    "Dy": np.float64,
    "Wx": np.int16,
    "Wy": np.int16,
    "worm_length": np.float64,
    "chain": np.int32,
}
_PER_CHAIN = {  # name: dtype, (chain,)
    "worms_per_subsweep": np.int64,
    "sector_switches": np.int64,
    "chain_done": np.bool_,
}
_DIMS = ("sample", "y", "x")


@dataclass(frozen=True)
class DimerRun:
    """The resolved parameters of one simulation (the store's ``params`` attr)."""

    n: int
    T: float
    chains: int
    sweeps: int
    subsweeps: int
    thermalise: int
    tables: str
    symmetrise: bool = True

    def record(self) -> dict[str, Any]:
        """JSON-able parameter record (:func:`.simulation.parameter_record`, T = inf as "inf")."""
        return simulation.parameter_record("dimers", **asdict(self))

    def writer(self, out: Path, seed: int) -> simulation.SampleWriter:
        """The writer of this run's store at ``out``."""
        return simulation.SampleWriter(out, self.record(), seed, lattice="dimer_grid", dims=_DIMS)


@dataclass
class ChainResult:
    """One chain's output.

    grids: (sweeps, 2n, 2n) int8 bond grids, one per sweep; worm_length:
    (sweeps,) mean steps per worm in the sweep before each sample; worms: W,
    the calibrated number of worms per sub-sweep; switches: how often the chain's
    columnar sector changed between stored samples (before any symmetry map).
    """

    grids: np.ndarray
    worm_length: np.ndarray
    worms: int
    switches: int


def default_subsweeps(T: float) -> int:
    """Sub-sweeps per sweep: ceil(2 / T), at least 1 (worms shrink at low T)."""
    return 1 if math.isinf(T) else max(1, math.ceil(2.0 / T))


def resolve_run(
    n: int,
    T: float,
    chains: int,
    sweeps: int,
    subsweeps: int | None,
    thermalise: int | None,
    tables: str,
    symmetrise: bool = True,
) -> DimerRun:
    """Validate the parameters (``InputError`` naming the option) and fill in defaults."""
    if n < 2 or n % 2:
        raise InputError(f"--n must be an even number of vertices per side >= 2, got {n}")
    simulation.require_real("--T", T, T_MIN, allow_inf=True)
    for name, value in (
        ("--chains", chains),
        ("--sweeps", sweeps),
        ("--subsweeps", subsweeps),
        ("--thermalise", thermalise),  # also calibrates the worms per sub-sweep
    ):
        if value is not None:
            simulation.require_int(name, value, 1)
    simulation.require_memory("--sweeps", sweeps, 4 * n * n, copies=1)  # one chain at a time
    if tables not in KINDS:
        raise InputError(f"--tables must be one of {KINDS}, got {tables!r}")
    return DimerRun(
        n=n,
        T=float(T),
        chains=chains,
        sweeps=sweeps,
        subsweeps=default_subsweeps(T) if subsweeps is None else subsweeps,
        thermalise=DEFAULT_THERMALISE if thermalise is None else thermalise,
        tables=tables,
        symmetrise=bool(symmetrise),
    )


def run_chain(run: DimerRun, cum: np.ndarray, rng: np.random.Generator) -> ChainResult:
    """Simulate one chain; cum (81, 4, 4) are the cumulative scattering tables at run.T."""
    n = run.n
    nbr = lattice.neighbours(n)
    visit = np.zeros(n * n, dtype=np.int64)
    dirs = coverings.random_covering(n, rng)
    subsweeps = run.thermalise * run.subsweeps
    worms = [
        loops.worms(dirs, nbr, cum, rng, visit, stamp, 0)[0] for stamp in range(1, subsweeps + 1)
    ]
    per_sub = max(1, round(float(np.mean(worms[subsweeps // 2 :]))))
    grids = np.empty((run.sweeps, 2 * n, 2 * n), dtype=np.int8)
    worm_length = np.empty(run.sweeps)
    for sample in range(run.sweeps):
        steps = loops.worms(dirs, nbr, cum, rng, visit, 0, per_sub * run.subsweeps)[1]
        grids[sample] = lattice.grid_from_dirs(dirs, n)
        worm_length[sample] = steps / (per_sub * run.subsweeps)
    switches = sectors.switches(sectors.sector(*lattice.columnar(grids)))
    if run.symmetrise:
        grids = sectors.symmetrise(grids, rng)
    return ChainResult(grids, worm_length, per_sub, switches)


def observables(result: ChainResult, chain: int) -> dict[str, np.ndarray]:
    """Per-sample arrays (sweeps,) of one chain, keyed like the store's arrays."""
    dx, dy = lattice.columnar(result.grids)
    wx, wy = lattice.winding(result.grids)
    values = {
        "energy": lattice.energy(result.grids),
        "Dx": dx,
        "Dy": dy,
        "Wx": wx,
        "Wy": wy,
        "worm_length": result.worm_length,
        "chain": np.full(len(result.grids), chain),
    }
    return {name: values[name].astype(dtype) for name, dtype in _PER_SAMPLE.items()}


def integrated_autocorrelation(x: np.ndarray) -> float | None:
    """τ_int (in samples) of series x (chains, samples), ACF pooled over chains.

    Sokal's window W = the first t >= 5 τ(t) (see :mod:`rsmine.models.autocorr`);
    τ = 1/2 for independent samples. None with fewer than 8 samples per chain
    or no variance within chains.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.shape[1] < 8:
        return None
    spread = x - x.mean(axis=1, keepdims=True)
    if float((spread * spread).mean()) <= 1e-12 * max(1.0, float(np.abs(x).max()) ** 2):
        return None
    return autocorr.integrated_time(x, window=_TAU_WINDOW)


def _injected_failure() -> int | None:
    text = os.environ.get(FAIL_CHAIN_ENV)
    if text is None:
        return None
    try:
        return int(text)
    except ValueError as exc:
        raise InputError(f"{FAIL_CHAIN_ENV} must be a chain index, got {text!r}") from exc


def _check_resumable(out: Path, run: DimerRun, seed: int) -> None:
    """Refuse to resume a store written with other parameters or another seed."""
    group = run.writer(out, seed).open()
    attrs = dict(group.attrs)
    wanted = {"params": run.record(), "seed": stores.seed_record(seed)}
    for key, value in wanted.items():
        if attrs.get(key) != value:
            raise InputError(
                f"--resume: {out} was written with {key} {attrs.get(key)}, "
                f"but this command asks for {value}"
            )
    if "chain_done" not in group.array_keys():
        raise InputError(f"--resume: {out} has no 'chain_done' array; not a dimers store")


def _create(writer: simulation.SampleWriter, run: DimerRun, tables_info: dict[str, Any]) -> None:
    """Create the incomplete store with every array, chunked one chain per chunk."""
    attrs = {
        "chain_seeds": "chain c: SeedSequence(seed['entropy'], spawn_key=(c,))",
        "tables": tables_info,
        "energy_units": "E = -(plaquettes with two parallel dimers); weight exp(-E/T)",
    }
    side = 2 * run.n
    writer.create(
        attrs,
        ((side, side), np.int8),
        _PER_SAMPLE,
        _PER_CHAIN,
        chains=run.chains,
        chain_samples=run.sweeps,
    )


def _finalise(group: zarr.Group, run: DimerRun) -> dict[str, Any]:
    """Autocorrelation times and worm statistics over all chains (the final attrs)."""
    shape = (run.chains, run.sweeps)
    energy = np.asarray(group["energy"][...]).reshape(shape)
    d2 = (np.asarray(group["Dx"][...]) ** 2 + np.asarray(group["Dy"][...]) ** 2).reshape(shape)
    stats = {
        "tau_int": {
            "energy": integrated_autocorrelation(energy),
            "D2": integrated_autocorrelation(d2),
            "units": "stored samples (sweeps); 0.5 = independent",
        },
        "mean_worm_length": float(np.mean(group["worm_length"][...])),
        "sectors": sectors.record(
            group["Dx"][...], group["Dy"][...], group["sector_switches"][...], run.symmetrise
        ),
    }
    simulation.SampleWriter.complete(group, stats)
    return stats


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _simulate(comm: Any, out: Path, run: DimerRun, seed: int, resume: bool) -> None:
    """The collective part: create, compute and write chains, finalise."""
    rank, size = comm.Get_rank(), comm.Get_size()
    started = time.perf_counter()
    tables = scattering_tables(run.T, run.tables)
    fail_chain = _injected_failure()
    writer = run.writer(out, seed)
    if rank == 0 and not (resume and out.exists()):
        _create(writer, run, tables.info())
    comm.Barrier()
    group = writer.open()
    done = np.asarray(group["chain_done"][...])
    mine = [c for c in range(run.chains) if not done[c]][rank::size]
    with progress(len(mine), f"dimers T={run.T} rank {rank}", "chain") as bar:
        for chain in mine:
            if chain == fail_chain:
                raise RuntimeError(f"injected failure at chain {chain} ({FAIL_CHAIN_ENV})")
            result = run_chain(run, tables.cum, chain_rng(seed, chain))
            per_chain = {
                "worms_per_subsweep": result.worms,
                "sector_switches": result.switches,
                "chain_done": True,
            }
            writer.write_chain(group, chain, result.grids, observables(result, chain), per_chain)
            bar.update()
    comm.Barrier()
    if rank == 0:
        stats = _finalise(group, run)
        tau = stats["tau_int"]
        summary(
            "simulate dimers",
            f"{run.chains} chains x {run.sweeps} samples of {run.n}x{run.n} dimers at "
            f"T={run.T} -> {out}; tau_int energy {_fmt(tau['energy'])}, D2 {_fmt(tau['D2'])} "
            f"samples; mean worm {stats['mean_worm_length']:.2f} steps; {size} rank(s), "
            f"{time.perf_counter() - started:.1f} s",
        )


def simulate_store(
    out: str | Path,
    *,
    n: int,
    T: float,
    chains: int,
    sweeps: int,
    subsweeps: int | None = None,
    thermalise: int | None = None,
    tables: str = "minimal-bounce",
    symmetrise: bool = True,
    seed: int,
    resume: bool = False,
) -> None:
    """Simulate ``chains`` × ``sweeps`` dimer coverings of the n×n torus into store ``out``.

    Store: root attrs ``lattice: "dimer_grid"``, ``params``, ``seed``, ``tables``,
    ``tau_int``; ``configs`` (sample, y, x) int8 bond grids (2n, 2n), one chunk
    per chain (sample = chain * sweeps + sweep); per-sample ``energy``, ``Dx``,
    ``Dy``, ``Wx``, ``Wy``, ``worm_length``, ``chain``; per-chain
    ``worms_per_subsweep``, ``sector_switches`` and ``chain_done``; with
    ``symmetrise`` every sample mapped by a random lattice symmetry. Runs on every rank of
    MPI.COMM_WORLD (one rank without mpiexec). With ``resume`` an existing
    incomplete store with the same parameters and seed is completed (a missing
    one is started afresh).
    """
    out = Path(out)
    run = resolve_run(n, T, chains, sweeps, subsweeps, thermalise, tables, symmetrise)
    simulation.require_int("--seed", seed, 0)
    _injected_failure()
    if resume and out.exists():
        _check_resumable(out, run, seed)
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    launch.check_launch(comm.Get_size(), run.chains, os.environ)
    stores.check_output(out, "samples")  # every rank, before rank 0 creates the store
    lock = launch.lock(comm, out)
    try:
        _simulate(comm, out, run, seed, resume)
    except Interrupted as exc:
        exc.report = comm.Get_rank() == 0  # one line for the job, not one per rank
        exc.linger = launch.linger(comm.Get_rank(), comm.Get_size())
        raise
    except BaseException as exc:
        if comm.Get_size() == 1:
            raise
        launch.abort(comm, exc)
    finally:
        if lock is not None:
            lock.release()
