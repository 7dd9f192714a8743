"""The models rsmine samples, one entry each: every per-model fact in one table.

An entry says how a model's points are named and controlled, on which lattice
its samples live, where its known transition lies, which training defaults
differ from the declared ones (paper Tables I-II), and how a point becomes the
options of ``rsmine simulate <model>``. The command line, ``rsmine optimise``,
the workflow's study configuration and the figures read it; adding a model is
one entry here plus its sampler.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rsmine.estimator.lattices import DIMER_GRID

ISING_TC = 2.0 / math.log1p(math.sqrt(2.0))
"""Onsager's critical temperature of the square-lattice Ising model, J = k_B = 1
(the antiferromagnet's is the same)."""

DEFAULT_COMPONENTS = 1
"""Components of H where a model sets no other count."""


@dataclass(frozen=True)
class Transition:
    """A model's known transition on its control axis: value, half-width of its
    uncertainty (0: exact) and the legend text of its mark."""

    value: float
    error: float
    label: str


def ising_temperature(tc_over_t: float) -> float:
    """T from the control value Tc/T (|J| = 1); Tc/T = 0 is T = inf."""
    return math.inf if tc_over_t == 0 else ISING_TC / tc_over_t


def _same(value: float) -> float:
    return value


@dataclass(frozen=True)
class System:
    """The facts of one model.

    control: the control parameter's name (axis label), control_unit: its unit;
    prefix: its point labels' prefix (``T0.65``); lattice: the samples' lattice kind
    (:mod:`rsmine.estimator.lattices`); periodic: its stores are periodic and
    translation invariant; log_axis: its control axis reads best on a log scale;
    transition: its known transition (None: none known); defaults: training defaults
    that differ from the declared ones (components, and option names);
    size_key: the ``simulate`` key of the lattice size, grid_per_size: lattice sites
    per unit of it; lattice_text: the lattice in words for titles ({size} is the size);
    nu: the correlation-length exponent of its transition (finite-size extrapolation;
    None: not a power law, e.g. BKT);
    simulate_flags: the options of ``rsmine simulate`` in order, the
    control flag among them taking the point's value (through ``to_flag``), every
    other one a ``simulate`` key (left out when absent); the seed comes last.
    """

    control: str
    control_unit: str
    prefix: str
    lattice: str
    periodic: bool
    log_axis: bool
    transition: Transition | None
    size_key: str
    grid_per_size: int
    control_flag: str
    simulate_flags: tuple[str, ...]
    lattice_text: str = "{size} sites"
    nu: float | None = None
    to_flag: Callable[[float], float] = _same
    defaults: Mapping[str, Any] = field(default_factory=dict)


SYSTEMS: dict[str, System] = {
    "ising": System(
        control="Tc/T",
        control_unit="1 (temperature in units of Tc)",
        prefix="TcT",
        lattice="square",
        periodic=True,
        log_axis=False,
        transition=Transition(1.0, 0.0, "$T_c$ (Onsager, exact)"),
        size_key="L",
        grid_per_size=1,
        control_flag="T",
        simulate_flags=("L", "T", "J", "samples", "chains"),
        lattice_text="{size}x{size} torus",
        nu=1.0,
        to_flag=ising_temperature,
    ),
    "dimers": System(
        control="T",
        control_unit="plaquette interaction",
        prefix="T",
        lattice=DIMER_GRID,
        periodic=True,
        log_axis=True,
        transition=Transition(0.65, 0.01, "$T_{BKT}$ = 0.65(1)"),
        size_key="n",
        grid_per_size=2,
        control_flag="T",
        simulate_flags=("n", "T", "chains", "sweeps", "subsweeps", "thermalise", "tables"),
        lattice_text="{size}x{size} vertices",
        # scale_v on the dimer grid: T = inf, 16x16 vertices, lb 2, 4000 samples, 4 runs: test
        # RSMI 0.17-0.23 nats with it, 0.05-0.14 without (benchmarks/RESULTS.md, issue 17).
        # warm-up 20, 80 epochs: at lb 8 (32x32 vertices, T = inf) runs need 10-20 epochs to
        # leave the initial plateau, so a warm-up of 10 restarts runs about to leave it (3 of 8
        # left at 0) and 50 epochs leave a restarted run too few (RESULTS.md, item 5).
        # whiten: T = inf, lb 8, 8 runs, validation-best test RSMI 32x32 vertices 0.033-0.036
        # -> 0.068-0.071 on three seeds (runs near 0: 2, 2, 1 -> 0, 0, 0), 16x16 0.058 ->
        # 0.092 (critic-only (Ex, Ey) 0.080); lb 2, 4, 6 unchanged (RESULTS.md)
        defaults={
            "components": 2,
            "epochs": 80,
            "warmup": 20,
            "batch": 400,
            "tau_max": 0.75,
            "scale_v": True,
            "whiten": True,
        },
    ),
    "chipping": System(
        control="w",
        control_unit="chipping rate",
        prefix="w",
        lattice="chain",
        periodic=True,
        log_axis=True,
        transition=Transition(1.0 / 3.0, 0.0, "mean-field $w$ = 1/3\n(paper: $w_{MKB}$ = 3)"),
        size_key="L",
        grid_per_size=1,
        control_flag="w",
        simulate_flags=("L", "w", "density", "samples", "chains"),
        lattice_text="ring of {size} sites",
        # whiten: E's total mass, tied to V's by mass conservation, is E's direction of least
        # variance, lost under per-site noise when E is only standardised per site. L = 256,
        # lv 8, lb 8, E the rest of the ring, 12 runs (benchmarks/RESULTS.md, issue 17): test
        # RSMI of the validation-best run 0.091 -> 0.104 (w 0.1), 0.075 -> 0.093 (w 1/3),
        # 0.020 -> 0.078 (w 1), 0.039 -> 0.074 (w 2); with lr 1e-3 and patience 20 over 200
        # epochs 0.107, 0.099, 0.089, 0.078, against a model-free 0.107-0.121
        defaults={"whiten": True, "lr": 1e-3, "epochs": 200, "warmup": 30, "patience": 20},
    ),
}
"""Every model rsmine samples. Transitions: Onsager's Tc (Tc/T = 1); the interacting
dimers' BKT temperature 0.65(1) (paper Sec. III); the chipping-aggregation chain's
mean-field w = 1/3 at density 1 in rsmine's convention (aggregation rate w, chipping 1)."""

MODELS = tuple(SYSTEMS)
PERIODIC_MODELS = tuple(name for name, s in SYSTEMS.items() if s.periodic)


def transition(model: str | None) -> Transition | None:
    """The known transition of ``model`` on its control axis (None: unknown model or none)."""
    system = SYSTEMS.get(model or "")
    return system.transition if system else None


def training_defaults(lattice: str) -> dict[str, Any]:
    """Training defaults on ``lattice`` that differ from the declared options, with the
    component count: the defaults of the models sampling that lattice (for user stores too)."""
    found = [dict(s.defaults) for s in SYSTEMS.values() if s.lattice == lattice and s.defaults]
    return {"components": DEFAULT_COMPONENTS} | (found[0] if found else {})


def default_components(model: str | None) -> int:
    """The component count of ``model`` (DEFAULT_COMPONENTS for user data)."""
    system = SYSTEMS.get(model or "")
    return (
        int(system.defaults.get("components", DEFAULT_COMPONENTS)) if system else DEFAULT_COMPONENTS
    )


def point_label(model: str | None, value: float) -> str:
    """The name of a point in paths: ``T0.65``, ``Tinf``, ``TcT1.05``, ``w0.333``
    (``p`` for user data)."""
    system = SYSTEMS.get(model or "")
    return f"{system.prefix if system else 'p'}{format(float(value), 'g')}"


def lattice_side(model: str, simulate: Mapping[str, Any]) -> int:
    """Side of the simulated lattice in sites: L (ising, chipping) or 2n (dimer bond grid)."""
    system = SYSTEMS[model]
    return system.grid_per_size * int(simulate[system.size_key])


def _number(value: float) -> str:
    return "inf" if math.isinf(value) else repr(float(value))


def simulate_args(model: str, simulate: Mapping[str, Any], value: float, seed: int) -> str:
    """The options of ``rsmine simulate <model>`` at the point ``value`` with ``seed``
    (without ``--out``), e.g. ``--L 8 --T 4.538 --samples 400 --seed 1000000``."""
    system = SYSTEMS[model]
    pairs = [
        (
            flag,
            _number(system.to_flag(value)) if flag == system.control_flag else simulate.get(flag),
        )
        for flag in system.simulate_flags
    ]
    pairs.append(("seed", seed))
    return " ".join(f"--{flag} {v}" for flag, v in pairs if v is not None)
