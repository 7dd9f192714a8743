"""The dimer filter ensemble (Figs. 8, 9a-f): pristine overlaps, projections, PCA, emergent U(1).

For every dimer system with a `filter_ensemble` block in the configuration.
"""

rule dimer_filter_tables:
    input:
        results("ensembles/{system}.zarr"),
    output:
        **{t: results(f"tables/{{system}}_filter_{t}.csv") for t in FILTER_TABLES},
    wildcard_constraints:
        system=one_of(PLAN.filter_systems()),
    log:
        results("logs/dimer_filter_tables/{system}.log"),
    params:
        settings=filter_settings,
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/dimer_filter_tables.py"


rule dimer_filter_figures:
    input:
        ensemble=results("ensembles/{system}.zarr"),
        overlap=results("tables/{system}_filter_overlap.csv"),
        u1=results("tables/{system}_filter_u1.csv"),
    output:
        projections=report(
            results("figures/{system}_filter_projections.png"),
            caption="../report/filter_projections.rst",
            category="Filter ensemble projections",
            subcategory="{system}",
        ),
        overlap=report(
            results("figures/{system}_filter_overlap.png"),
            caption="../report/filter_overlap.rst",
            category="Pristine filter overlaps",
            subcategory="{system}",
        ),
        pca=report(
            results("figures/{system}_filter_pca.png"),
            caption="../report/filter_pca.rst",
            category="Filter ensemble PCA",
            subcategory="{system}",
        ),
        u1=report(
            results("figures/{system}_filter_u1.png"),
            caption="../report/filter_u1.rst",
            category="Emergent U(1) of the filters",
            subcategory="{system}",
        ),
    wildcard_constraints:
        system=one_of(PLAN.filter_systems()),
    log:
        results("logs/dimer_filter_figures/{system}.log"),
    params:
        settings=filter_settings,
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/dimer_filter_figures.py"
