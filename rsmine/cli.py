"""The ``rsmine`` command: a thin argparse layer over the library.

The options here are a contract (store layouts in docs/stores.md):
workflow rules and tests call them.
Each subcommand's handler validates nothing itself beyond parsing; the library
functions it calls raise :class:`rsmine.errors.InputError` before any work on
bad input, which is printed as ``rsmine <command>: <message>`` with exit code 2.
A subcommand that writes a store names its kind (``writes``) and what an
interrupt leaves (``on_interrupt``); :func:`main` runs it through
:func:`rsmine.running.run`, which checks and locks its ``--out`` before any work.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rsmine import running
from rsmine._version import __version__
from rsmine.cli_simulate import add_simulate, temperature
from rsmine.errors import InputError
from rsmine.estimator import lattices
from rsmine.flags import boolean

if TYPE_CHECKING:
    import pandas as pd

DESCRIPTION = """\
rsmine finds the relevant degrees of freedom of a statistical system from its
real-space configurations: it trains coarse-graining filters that maximise the
real-space mutual information (RSMI, in nats) between a visible block and its
distant environment (RSMI-NE)."""

EPILOG = """\
A study runs 'simulate' (or brings its own samples store), then 'optimise' on
each samples store; the Snakemake workflow (README.md) runs whole studies.
Stores are Zarr v3 directories; their layouts (samples, runs, ensemble) are
documented in docs/stores.md. An existing --out is replaced only if it is an
rsmine store of the same kind. 'rsmine COMMAND --help' lists a command's options.

The method (RSMI-NE) is that of D. E. Gökmen, Z. Ringel, S. D. Huber and
M. Koch-Janusz, Phys. Rev. E 104, 064106 (2021), arXiv:2103.16887: cite it with
rsmine (CITATION.cff)."""


def _add_optimise(sub: argparse._SubParsersAction) -> None:
    from rsmine.estimator.lattices import DIMER_GRID
    from rsmine.estimator.train.config import options
    from rsmine.flags import argparse_keywords, shown
    from rsmine.systems import DEFAULT_COMPONENTS, SYSTEMS, training_defaults

    p = sub.add_parser("optimise", help="an ensemble of RSMI-NE optimisations")
    p.add_argument("--samples", required=True, help="input sample store")
    p.add_argument("--out", required=True, help="output runs store")
    p.add_argument("--lv", type=int, required=True, help="side of the visible block V")
    p.add_argument("--lb", type=int, required=True, help="buffer width")
    p.add_argument("--le", type=int, required=True, help="environment shell thickness")
    dimer = training_defaults(DIMER_GRID)
    p.add_argument(
        "--components",
        type=int,
        default=None,
        help=f"coarse-grained components ({DEFAULT_COMPONENTS}; dimer grid {dimer['components']})",
    )
    p.add_argument("--runs", type=int, required=True, help="runs in this store")
    p.add_argument("--first-run", type=int, default=0, help="index of the first run")
    p.add_argument("--seed", type=int, required=True, help="ensemble seed; run k uses (seed, k)")
    p.add_argument(
        "--resume",
        action="store_true",
        help="require an interrupted run's checkpoint to continue from (without it: continued "
        "when there, else started afresh)",
    )
    lattices = {s.lattice: training_defaults(s.lattice) for s in SYSTEMS.values() if s.defaults}
    for name, (default, option) in options().items():
        text = "off" if default is None else shown(default)
        for lattice, defaults in lattices.items():
            if name in defaults:
                text += f"; {lattice.replace('_', ' ')}: {shown(defaults[name])}"
        p.add_argument(
            "--" + name.replace("_", "-"),
            dest=name,
            default=None,
            help=f"{option.help} (default: {text})",
            **argparse_keywords(option.schema),
        )
    p.set_defaults(
        handler=_run_optimise,
        writes="runs",
        inputs=("samples",),
        on_interrupt=running.OPTIMISE_KEPT,
    )


def _run_optimise(args: argparse.Namespace) -> None:
    from rsmine import optimise
    from rsmine.estimator.train.config import options

    optimise.optimise_store(
        args.samples,
        args.out,
        lv=args.lv,
        lb=args.lb,
        le=args.le,
        components=args.components,
        runs=args.runs,
        first_run=args.first_run,
        seed=args.seed,
        resume=args.resume,
        **{name: getattr(args, name) for name in options()},
    )


def _add_coarse_grain(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("coarse-grain", help="apply one run's filters to every sample")
    p.add_argument("--filters", required=True, help="runs store holding the filters")
    p.add_argument("--run", default="best", help="run id, or 'best' (highest validation RSMI)")
    p.add_argument("--samples", required=True, help="input sample store")
    p.add_argument("--out", required=True, help="output sample store of coarse-grained configs")
    p.add_argument("--seed", type=int, default=0, help="seed of the discretisation noise")
    p.add_argument(
        "--noise",
        choices=("logistic", "none"),
        default="none",
        help="H's most probable value, the one the reported RSMI is scored on (none), or H "
        "drawn as in training (logistic)",
    )
    p.add_argument(
        "--stride",
        type=int,
        default=None,
        help="sites between neighbouring blocks (default lv: the disjoint tiling; smaller: "
        "overlapping blocks, for correlations finer than a block)",
    )
    p.set_defaults(
        handler=_run_coarse_grain,
        writes="samples",
        inputs=("samples", "filters"),
        on_interrupt=running.FRESH,
    )


def _run_coarse_grain(args: argparse.Namespace) -> None:
    from rsmine.coarse_grain import coarse_grain_store

    coarse_grain_store(
        args.filters,
        args.samples,
        args.out,
        run=args.run,
        seed=args.seed,
        noise=args.noise,
        stride=args.stride,
    )


def _add_aggregate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "aggregate",
        help="the runs stores of a system -> one ensemble store",
        description="The runs stores of a system -> one ensemble store (rsmine.aggregate).",
    )
    p.add_argument("--out", required=True, help="output ensemble store")
    p.add_argument(
        "--runs", type=int, required=True, help="runs expected per point, lb and component count"
    )
    p.add_argument(
        "--part",
        nargs=3,
        action="append",
        required=True,
        metavar=("POINT", "CONTROL", "RUNS_STORE"),
        help="a runs store with its point label and control value (repeat for each)",
    )
    p.add_argument("--params", default="{}", help="JSON object recorded as params.config")
    p.set_defaults(handler=_run_aggregate, writes="ensemble", on_interrupt=running.FRESH)


def _run_aggregate(args: argparse.Namespace) -> None:
    import json
    from pathlib import Path

    from rsmine.aggregate import RunsPart, aggregate

    try:
        params = json.loads(args.params)
    except ValueError as exc:
        raise InputError(f"--params: expected a JSON object ({exc})") from exc
    if not isinstance(params, dict):
        raise InputError(f"--params: expected a JSON object, got {args.params!r}")
    parts = []
    for point, control, path in args.part:
        try:
            value = temperature(control)
        except argparse.ArgumentTypeError as exc:
            raise InputError(f"--part {point} {control} {path}: {exc}") from exc
        parts.append(RunsPart(Path(path), point, value, lb=None, components=None))
    aggregate(parts, args.out, args.runs, params=params)


def _add_import(sub: argparse._SubParsersAction) -> None:
    from rsmine.import_samples import SUFFIXES

    p = sub.add_parser(
        "import",
        help="your own configurations (.npy, .npz, HDF5, a directory of them) -> a samples store",
    )
    p.add_argument("sources", nargs="+", help=f"files ({', '.join(SUFFIXES)}) or directories")
    p.add_argument(
        "--lattice",
        required=True,
        choices=lattices.KINDS,
        help="lattice of one configuration: (L), (L, L), (L, L, L) or the (2n, 2n) dimer grid",
    )
    p.add_argument(
        "--periodic",
        required=True,
        type=boolean,
        metavar="{true,false}",
        help="periodic boundaries (true: optimise averages over many V origins)",
    )
    p.add_argument("--control", required=True, help="control parameter NAME=VALUE, e.g. T=2.5")
    p.add_argument("--provenance", required=True, help="where the configurations come from")
    p.add_argument("--key", default=None, help="array (.npz) or dataset (HDF5) to read")
    p.add_argument("--out", required=True, help="output samples store")
    p.set_defaults(handler=_run_import, writes="samples", on_interrupt=running.FRESH)


def _run_import(args: argparse.Namespace) -> None:
    from rsmine.import_samples import Control, import_store

    import_store(
        args.sources,
        args.out,
        lattice=args.lattice,
        periodic=args.periodic,
        control=Control.parse(args.control),
        provenance=args.provenance,
        key=args.key,
    )


def _add_info(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help="summarise any rsmine store (arrays, attrs, RSMI)")
    p.add_argument("store", help="any rsmine store")
    p.set_defaults(handler=_run_info)


def _run_info(args: argparse.Namespace) -> None:
    from rsmine import stores

    print(stores.describe(args.store))
    group = stores.open_store(args.store, complete=False)
    attrs = group.attrs
    if attrs.get("kind") == "runs" and "references" in attrs:
        import numpy as np

        from rsmine.references import format_references

        rsmi, val = (np.asarray(group[name][...]) for name in ("rsmi", "rsmi_val"))
        print(format_references(attrs["references"], rsmi, val))
    if attrs.get("kind") == "ensemble" and attrs.get("complete"):
        from rsmine.analysis.rsmi.summary import summarise

        try:
            table = summarise(args.store)
        except InputError as exc:
            print(f"  no per-point summary: {exc}")
            return
        print("  RSMI on the test part, per point, lb and components (failed runs excluded):")
        print(format_summary(table))


def format_summary(table: pd.DataFrame) -> str:
    """A :func:`rsmine.analysis.rsmi.summary.summarise` table as text (``rsmine info``),
    one line per point, lb and component count.

    Columns: point, control, lb, components of H, finished/failed runs, mean ± standard
    error, best (the test RSMI of the validation-best run; nats and bits); where the table
    has references, the best physical reference (chosen on validation), its held-out and
    model-free values (nats) and the efficiency best / max of the two.
    """
    referenced = "reference" in table and table["reference"].notna().any()
    lines = [
        f"  {'point':<12} {'control':>8} {'lb':>3} {'H':>2} {'runs':>5} {'failed':>6}  "
        f"{'mean ± s.e. [nats]':>20}  {'best [nats]':>11}  {'best [bits]':>11}"
        + (
            f"  {'reference':<14} {'held-out':>8} {'plug-in':>8} {'efficiency':>10}"
            if referenced
            else ""
        )
    ]
    for row in table.sort_values(["control", "lb", "components"], kind="stable").itertuples(
        index=False
    ):
        se = row.std / math.sqrt(row.runs) if row.runs > 1 else math.nan
        mean = f"{row.mean:.4g} ± {se:.2g}"
        lines.append(
            f"  {row.point:<12} {row.control:>8.4g} {row.lb:>3d} {row.components:>2d} "
            f"{row.runs:>5d} {row.failed:>6d}  "
            f"{mean:>20}  {row.best:>11.4g}  {row.best / math.log(2):>11.4g}"
            + (_reference_text(row) if referenced else "")
        )
    lines.append("  (H: components of the coarse variable)")
    return "\n".join(lines)


def _reference_text(row: Any) -> str:
    """The reference columns of one :func:`format_summary` line (blank without one)."""
    if not isinstance(row.reference, str):
        return f"  {'-':<14} {'':>8} {'':>8} {'':>10}"
    return (
        f"  {row.reference:<14} {row.reference_rsmi:>8.4g} {row.reference_plugin:>8.4g} "
        f"{row.efficiency:>10.3g}"
    )


def _add_show_filters(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("show-filters", help="draw the learned filters of a runs or ensemble store")
    p.add_argument("store", help="runs or ensemble store")
    p.add_argument("-o", "--out", required=True, help="output image (.png, .pdf, .svg)")
    p.add_argument("--lb", type=int, default=None, help="buffer width (default: the largest)")
    p.add_argument("--samples", type=int, default=3, help="best runs drawn beside the mean")
    p.add_argument("--control", default="control", help="name of the control parameter")
    p.set_defaults(handler=_run_show_filters)


def _run_show_filters(args: argparse.Namespace) -> None:
    from rsmine.analysis.filters.gallery import gallery_rows, read_filter_cells
    from rsmine.figures.filters import filter_gallery
    from rsmine.figures.style import check_path

    check_path(args.out)  # before reading or drawing anything
    lattice, lb, cells = read_filter_cells(args.store, args.lb, args.control)
    title = f"{Path(args.store).name}: filters at $L_B$ = {lb}"
    filter_gallery(lattice, gallery_rows(cells, args.samples), title, path=args.out)


def _add_references(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "references",
        help="learned RSMI against the reference coarse variables (runs stores optimised "
        "with --references true), with the ratio",
    )
    p.add_argument("stores", nargs="+", help="runs stores")
    p.add_argument("--csv", default=None, help="also write the table to this CSV file")
    p.set_defaults(handler=_run_references)


def _run_references(args: argparse.Namespace) -> None:
    from rsmine.references import references_table

    table = references_table(args.stores)
    print(table.to_string(index=False, float_format="%.4f"))
    if args.csv is not None:
        table.to_csv(args.csv, index=False, float_format="%.4g")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rsmine",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"rsmine {__version__}")
    commands = parser.add_subparsers(
        title="commands", dest="command", required=True, metavar="COMMAND"
    )
    add_simulate(commands)
    _add_optimise(commands)
    _add_aggregate(commands)
    _add_coarse_grain(commands)
    _add_import(commands)
    _add_info(commands)
    _add_references(commands)
    _add_show_filters(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    name = " ".join(filter(None, (args.command, getattr(args, "model", None))))
    return running.run(name, args)


if __name__ == "__main__":
    sys.exit(main())
