"""Parameter lookups of analyse_dimer_filters.smk: which systems, their settings and outputs."""

FILTER_TABLES = ("overlap", "peaks", "pca", "u1")
FILTER_FIGURES = ("projections", "overlap", "pca", "u1")


def filter_systems():
    """Regex matching the systems with filter-ensemble analyses (matching nothing if none)."""
    names = [n for n, s in SYSTEMS.items() if "filter_ensemble" in s]
    return "|".join(names) if names else "(?!)"


def filter_settings(wildcards):
    """A system's filter_ensemble block, with the defaults of the omitted keys, and the
    component count every point runs (a components sweep's other counts are left out)."""
    return science.filter_ensemble_settings(SYSTEMS[wildcards.system])


def dimer_filter_outputs():
    """Every filter-ensemble table and figure."""
    names = [n for n, s in SYSTEMS.items() if "filter_ensemble" in s]
    return [results(f"tables/{s}_filter_{t}.csv") for s in names for t in FILTER_TABLES] + [
        results(f"figures/{s}_filter_{f}.png") for s in names for f in FILTER_FIGURES
    ]


def filter_figure(name, caption, category):
    """A report() figure output of dimer_filter_figures."""
    return report(
        results(f"figures/{{system}}_filter_{name}.png"),
        caption=f"../report/{caption}.rst",
        category=category,
        subcategory="{system}",
    )
