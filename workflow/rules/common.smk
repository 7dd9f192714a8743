"""The rules' lookups: one line each over the study's plan (rsmine.plan.Plan of config.yaml).

Functions of ``wildcards`` are the rules' input and params lookups; the others build rule
outputs, wildcard constraints and the final targets.
"""

from rsmine.plan import FILTER_TABLES, Plan

PLAN = Plan(config)


def results(path):
    """A path under the configured results directory."""
    return PLAN.results(path)


def one_of(names):
    """Wildcard constraint matching exactly ``names`` (nothing when there are none)."""
    return "|".join(names) or "(?!)"


def simulate_args(wildcards):
    """Options of `rsmine simulate <model>` at {system}/{point}."""
    return PLAN.simulate_options(wildcards.system, wildcards.point)


def dimer_tasks(wildcards):
    """MPI ranks of {system}'s simulate job: its `simulate: tasks`."""
    return config["systems"][wildcards.system]["simulate"]["tasks"]


def dimer_args(wildcards, resources):
    """simulate_args of a dimer job; refused when its MPI ranks outnumber its chains."""
    chains = config["systems"][wildcards.system]["simulate"]["chains"]
    if resources.tasks > chains:
        raise ValueError(
            f"simulate_dimers: tasks {resources.tasks} (MPI ranks: systems.{wildcards.system}"
            f".simulate.tasks, or set-resources) is more than its {chains} chains "
            f"(simulate.chains); a rank without a chain would idle: lower tasks or raise chains"
        )
    return simulate_args(wildcards)


def samples_store(wildcards):
    """The sample store of {system}/{point}: simulated, or the user's `source` store."""
    return PLAN.samples(wildcards.system, wildcards.point)


def optimise_args(wildcards):
    """Options of `rsmine optimise` for chunk {chunk} at {system}/{point}, {lb}, {components}."""
    w = wildcards
    return PLAN.optimise_options(w.system, w.point, int(w.lb), int(w.components), int(w.chunk))


def runs_of_system(wildcards):
    """Input of aggregate: every runs store of {system}."""
    return [part["path"] for part in PLAN.runs_parts(wildcards.system)]


def aggregate_parts(wildcards):
    """The `--part POINT CONTROL RUNS_STORE` words of `rsmine aggregate` for {system}."""
    return PLAN.aggregate_parts(wildcards.system)


def aggregate_option(name):
    """A lookup of `rsmine aggregate`'s --runs or --params for {system}."""
    return lambda wildcards: PLAN.aggregate_options(wildcards.system)[name]


def control_label(wildcards):
    """Axis label of the control parameter of {system}."""
    return PLAN.control(wildcards.system)


def system_model(wildcards):
    """The model of {system} (names its known transition), '' for user data."""
    return PLAN.model(wildcards.system)


def system_title(wildcards):
    """Figure title: the system, its lattice, samples, runs and lb."""
    return PLAN.title(wildcards.system)


def visible_side(wildcards):
    """lv of {system} (the buffer fits' distance form)."""
    return PLAN.visible_side(wildcards.system)


def staggered_filters(wildcards):
    """Whether {system}'s filters are staggered (an Ising antiferromagnet)."""
    return PLAN.staggered(wildcards.system)


def extrapolation_tables(wildcards):
    """The transition tables of {extrapolation}'s systems, one per lattice size."""
    return PLAN.extrapolation_tables(wildcards.extrapolation)


def extrapolation_settings(wildcards):
    """sizes, lb, nu, model and control of {extrapolation}."""
    return PLAN.extrapolation_settings(wildcards.extrapolation)


def main_components(wildcards):
    """The component count of {system} that every point runs (the first of a sweep)."""
    return PLAN.main_components(wildcards.system)


def chipping_samples(wildcards):
    """Input of figure_chipping_marginals: the sample store of every point of {system}."""
    return [PLAN.samples(wildcards.system, p.label) for p in PLAN.points[wildcards.system]]


def chipping_w(wildcards):
    """The aggregation rate w of every point, in the order of chipping_samples."""
    return [p.value for p in PLAN.points[wildcards.system]]


def filter_settings(wildcards):
    """The filter_ensemble block of {system}, defaults resolved, with its component count."""
    return PLAN.filter_settings(wildcards.system)


def field_samples(wildcards):
    """Sample stores of the dimer_fields points of {system}, in the order of field_labels."""
    return [PLAN.samples(wildcards.system, label) for label in PLAN.field_labels(wildcards.system)]


def field_filters(wildcards):
    """The runs store whose filters the dimer_fields point {point} of {system} uses."""
    return PLAN.field_filters(wildcards.system, wildcards.point)


def field_coarse(wildcards):
    """Coarse-grained sample stores of the dimer_fields points of {system}."""
    return [PLAN.coarse(wildcards.system, label) for label in PLAN.field_labels(wildcards.system)]


def field_rotations(wildcards):
    """Rotation tables of the dimer_fields points of {system} in {plane}."""
    w = wildcards
    return [PLAN.rotation(w.system, w.plane, label) for label in PLAN.field_labels(w.system)]


def field_legend(wildcards):
    """Legend labels of the dimer_fields points of {system}: T=<value>."""
    return PLAN.field_legend(wildcards.system)


def field_option(name):
    """A lookup of dimer_fields.<name> of {system}."""
    return lambda wildcards: PLAN.systems[wildcards.system]["dimer_fields"][name]


def coarse_grain_args(wildcards):
    """Options of `rsmine coarse-grain` at {system}/{point}."""
    return PLAN.coarse_grain_options(wildcards.system, wildcards.point)


def chipping_baseline_samples(wildcards):
    """The sample stores of chipping figure {chipping_figure}'s baselines, by point."""
    return PLAN.chipping_baseline_samples(wildcards.chipping_figure)


def chipping_baseline_settings(wildcards):
    """w, lv, lb, le, le_thin and origins of chipping figure {chipping_figure}'s baselines."""
    return PLAN.chipping_baseline_settings(wildcards.chipping_figure)


def chipping_learned(wildcards):
    """Ensemble stores and transition tables of chipping figure {chipping_figure}'s systems."""
    return PLAN.chipping_learned(wildcards.chipping_figure)


def chipping_title(wildcards):
    """Title of chipping figure {chipping_figure}: the systems drawn, the first's runs and lb
    (the figure adds the ring length and the samples per w)."""
    systems = PLAN.chipping_figures[wildcards.chipping_figure]["systems"]
    runs = PLAN.title(systems[0]).split("\n")[-1]
    return f"{wildcards.chipping_figure} (Fig. 12b): {', '.join(systems)}\n{runs}"
