"""Parameter lookups of rules/analyse_dimer_fields.smk: the dimer_fields entry of a system."""

from types import SimpleNamespace



def field_systems():
    """Systems with a dimer_fields entry (checked at plan time by rsmine.study.check)."""
    return [name for name, system in SYSTEMS.items() if "dimer_fields" in system]


def field_labels(system):
    """Point labels of systems.<system>.dimer_fields.points."""
    labels = {p.value: p.label for p in POINTS[system]}
    return [labels[float(v)] for v in SYSTEMS[system]["dimer_fields"]["points"]]


def field_samples(wildcards):
    """Sample stores of the dimer_fields points, in the order of field_labels."""
    return [
        samples_store(SimpleNamespace(system=wildcards.system, point=label))
        for label in field_labels(wildcards.system)
    ]


def field_filters(wildcards):
    """The runs store (chunk 0 at dimer_fields.lb, the main component count) whose filters a
    point uses."""
    lb = SYSTEMS[wildcards.system]["dimer_fields"]["lb"]
    return runs_path(wildcards.system, wildcards.point, lb, main_components(wildcards), 0)


def field_coarse(wildcards):
    """Coarse-grained sample stores of the dimer_fields points, in the order of field_labels."""
    return [results(f"coarse/{wildcards.system}/{p}.zarr") for p in field_labels(wildcards.system)]


def field_rotations(wildcards):
    """Rotation tables of the dimer_fields points in one plane, in the order of field_labels."""
    return [
        results(f"tables/{wildcards.system}_rotation_{wildcards.plane}_{p}.csv")
        for p in field_labels(wildcards.system)
    ]


def field_point_labels(wildcards):
    """Legend labels of the dimer_fields points: T=<value>."""
    return [f"T={'∞' if math.isinf(float(v)) else format(float(v), 'g')}"
            for v in SYSTEMS[wildcards.system]["dimer_fields"]["points"]]


def field_option(name):
    """A lookup of dimer_fields.<name> for the rules' params."""
    return lambda wildcards: SYSTEMS[wildcards.system]["dimer_fields"][name]


def coarse_grain_args(wildcards):
    """Options of `rsmine coarse-grain` at one point."""
    fields = SYSTEMS[wildcards.system]["dimer_fields"]
    point = point_of(wildcards)
    return f"--run {fields['run']} --seed {science.simulate_seed(fields['seed'], point)}"


def field_outputs():
    """Final targets: the figures of every system with dimer_fields (a rotation per plane)."""
    targets = []
    for s in field_systems():
        names = ["height", "coarse_correlation"]
        names += [f"rotation_{plane}" for plane in SYSTEMS[s]["dimer_fields"]["planes"]]
        targets += [results(f"figures/{s}_{n}.png") for n in names]
    return targets
