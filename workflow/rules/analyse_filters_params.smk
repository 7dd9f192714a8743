"""Parameter lookups of analyse_filters.smk: chipping systems, their sample stores, targets."""

from collections import namedtuple

SystemPoint = namedtuple("SystemPoint", "system point")


def chipping_systems():
    """Systems of the chipping model (simulated or the user's stores)."""
    return [name for name, s in SYSTEMS.items() if s.get("model") == "chipping"]


def chipping_sample_stores(wildcards):
    """Input of figure_chipping_marginals: the sample store of every point."""
    return [samples_store(SystemPoint(wildcards.system, p.label)) for p in POINTS[wildcards.system]]


def chipping_w(wildcards):
    """The aggregation rate w of every point, in the order of chipping_sample_stores."""
    return [p.value for p in POINTS[wildcards.system]]


def filter_outputs():
    """Final targets of this file: galleries, alignment tables, chipping marginals."""
    return (
        [results(f"figures/{s}_filters.png") for s in SYSTEMS]
        + [results(f"tables/{s}_filter_alignment.csv") for s in SYSTEMS]
        + [results(f"figures/{s}_marginals.png") for s in chipping_systems()]
    )
