"""Parameter lookups of the rules: config.yaml -> points, paths, seeds, command options."""

import math
import os

from rsmine import config as science
from rsmine.cli import option_flags
from rsmine.analysis.rsmi.transition import MIN_POINTS as TRANSITION_MIN_POINTS

science.check(config)

RESULTS = config["results"]
SYSTEMS = config["systems"]
POINTS = {name: science.points(name, system) for name, system in SYSTEMS.items()}
FIGURES = ("rsmi_vs_control", "rsmi_vs_buffer")


def results(path):
    """A path under the configured results directory."""
    return os.path.join(RESULTS, path)


def systems_of(model):
    """Regex matching the simulated systems of one model (matching nothing if none)."""
    names = [n for n, s in SYSTEMS.items() if s.get("model") == model and not s.get("source")]
    return "|".join(names) if names else "(?!)"


def point_of(wildcards):
    """The Point of the {system}/{point} wildcards."""
    for point in POINTS[wildcards.system]:
        if point.label == wildcards.point:
            return point
    raise ValueError(f"systems.{wildcards.system}: no point named {wildcards.point!r}")


def control_name(system):
    """Axis label of a system's control parameter."""
    return SYSTEMS[system].get("control") or science.CONTROL.get(
        SYSTEMS[system].get("model"), "control"
    )


def _options(pairs):
    return " ".join(f"--{key} {value}" for key, value in pairs if value is not None)


def _temperature(value):
    return "inf" if math.isinf(value) else repr(float(value))


def ising_args(wildcards):
    """Options of `rsmine simulate ising` at one point (T from Tc/T)."""
    sim = SYSTEMS[wildcards.system]["simulate"]
    point = point_of(wildcards)
    return _options(
        [
            ("L", sim["L"]),
            ("T", _temperature(science.ising_temperature(point.value))),
            ("J", sim.get("J")),
            ("samples", sim["samples"]),
            ("chains", sim.get("chains")),
            ("seed", science.simulate_seed(sim["seed"], point)),
        ]
    )


def chipping_args(wildcards):
    """Options of `rsmine simulate chipping` at one point."""
    sim = SYSTEMS[wildcards.system]["simulate"]
    point = point_of(wildcards)
    return _options(
        [
            ("L", sim["L"]),
            ("w", repr(point.value)),
            ("density", sim.get("density")),
            ("samples", sim["samples"]),
            ("chains", sim.get("chains")),
            ("seed", science.simulate_seed(sim["seed"], point)),
        ]
    )


def dimer_tasks(wildcards):
    """MPI ranks of a dimer system's simulate job: its `simulate: tasks`."""
    return SYSTEMS[wildcards.system]["simulate"]["tasks"]


def dimers_args(wildcards, resources):
    """Options of `rsmine simulate dimers` at one temperature; refuses more ranks than chains."""
    sim = SYSTEMS[wildcards.system]["simulate"]
    if resources.tasks > sim["chains"]:
        raise ValueError(
            f"simulate_dimers: tasks {resources.tasks} (MPI ranks: systems.{wildcards.system}"
            f".simulate.tasks, or set-resources) is more than its {sim['chains']} chains "
            f"(simulate.chains); a rank without a chain would idle: lower tasks or raise chains"
        )
    point = point_of(wildcards)
    return _options(
        [
            ("n", sim["n"]),
            ("T", _temperature(point.value)),
            ("chains", sim["chains"]),
            ("sweeps", sim["sweeps"]),
            ("subsweeps", sim.get("subsweeps")),
            ("thermalise", sim.get("thermalise")),
            ("tables", sim.get("tables")),
            ("seed", science.simulate_seed(sim["seed"], point)),
        ]
    )


def samples_store(wildcards):
    """The sample store of a point: the user's `source` store, or the simulated one."""
    system = SYSTEMS[wildcards.system]
    if system.get("source"):
        return system["source"][point_of(wildcards).index]["store"]
    return results(f"samples/{wildcards.system}/{wildcards.point}.zarr")


def chunk_list(system):
    """(first run, count) chunks of a system's ensemble."""
    opt = SYSTEMS[system]["optimise"]
    return science.chunks(opt["runs"], opt["runs_per_job"])


def optimise_args(wildcards):
    """Options of `rsmine optimise` for one chunk of runs at one point and lb."""
    opt = SYSTEMS[wildcards.system]["optimise"]
    point = point_of(wildcards)
    first, count = chunk_list(wildcards.system)[int(wildcards.chunk)]
    window = _options(
        [
            ("lv", opt["lv"]),
            ("lb", wildcards.lb),
            ("le", opt["le"]),
            ("components", wildcards.components),
            ("runs", count),
            ("first-run", first),
            ("seed", science.optimise_seed(opt["seed"], point, int(wildcards.lb))),
        ]
    )
    # every key of the train block is a declared option (the schema checks it)
    return f"{window} {option_flags(science.training_options(SYSTEMS[wildcards.system], point))}"


def runs_path(system, point, lb, components, chunk):
    return results(f"runs/{system}/{point}/LB{lb}/C{components}/c{chunk}.zarr")


def runs_parts(system):
    """Every runs store of a system, with its point label, control value, lb and components."""
    return [
        {
            "path": runs_path(system, p.label, lb, k, c),
            "point": p.label,
            "control": p.value,
            "lb": lb,
            "components": k,
        }
        for p in POINTS[system]
        for lb in SYSTEMS[system]["optimise"]["lb"]
        for k in science.components_at(system, SYSTEMS[system], p)
        for c in range(len(chunk_list(system)))
    ]


def runs_of_system(wildcards):
    """Input of merge_runs: all chunks of all points and lb of {system}."""
    return [part["path"] for part in runs_parts(wildcards.system)]


def merge_params(wildcards):
    """Parameters of merge_runs: the parts and the runs expected per point and lb."""
    return {
        "parts": runs_parts(wildcards.system),
        "runs": SYSTEMS[wildcards.system]["optimise"]["runs"],
        "config": SYSTEMS[wildcards.system],
    }


def figure_control(wildcards):
    """Axis label of the control parameter of {system}."""
    return control_name(wildcards.system)


def figure_model(wildcards):
    """The model of {system} (None for user data): its known transition is marked."""
    return SYSTEMS[wildcards.system].get("model")


def figures_of(system):
    """Figures of a system: RSMI against the buffer width only with at least two lb."""
    several = len(SYSTEMS[system]["optimise"]["lb"]) > 1
    return [f for f in FIGURES if several or f != "rsmi_vs_buffer"]


def figure_title(wildcards):
    """Figure title: the system's name."""
    return wildcards.system


def main_components(wildcards):
    """The component count of {system} that every point runs (the first of a sweep)."""
    return science.main_components(SYSTEMS[wildcards.system])


def final_outputs():
    """Final targets: every table and figure of every system, and of its analyses."""
    return (
        [results(f"tables/{s}_rsmi.csv") for s in SYSTEMS]
        + [results(f"figures/{s}_{f}.png") for s in SYSTEMS for f in figures_of(s)]
        + analysis_outputs()
    )


def analysed(system, analysis):
    """Does {system} get ``analysis``? Each needs enough points, lb values or counts."""
    spec = SYSTEMS[system]
    finite = [p for p in POINTS[system] if math.isfinite(p.value)]
    return {
        "transition": len(finite) >= TRANSITION_MIN_POINTS,
        "buffer_fits": len(spec["optimise"]["lb"]) >= 3,
        "boundaryness": spec.get("model") == "ising" and spec["optimise"]["lv"] >= 3,
        "components": len(science.component_counts(spec)) >= 2,
    }[analysis]


def analysis_outputs():
    """Tables and figures of the analyses every system qualifies for."""
    return [
        results(f"{kind}/{s}_{a}.{ext}")
        for s in SYSTEMS
        for a in ("transition", "buffer_fits", "boundaryness", "components")
        if analysed(s, a)
        for kind, ext in (("tables", "csv"), ("figures", "png"))
    ]


def system_model(wildcards):
    """The model of {system} (names its known transition), '' for user data."""
    return SYSTEMS[wildcards.system].get("model", "")
