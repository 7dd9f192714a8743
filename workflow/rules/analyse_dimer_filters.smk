"""The dimer filter ensemble (Figs. 8, 9a-f): pristine overlaps, projections, PCA, emergent U(1).

For every dimer system with a `filter_ensemble` block in the configuration.
"""

rule dimer_filter_tables:
    input:
        results("ensembles/{system}.zarr"),
    output:
        **{t: results(f"tables/{{system}}_filter_{t}.csv") for t in FILTER_TABLES},
    wildcard_constraints:
        system=filter_systems(),
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
        projections=filter_figure(
            "projections", "filter_projections", "Filter ensemble projections"
        ),
        overlap=filter_figure("overlap", "filter_overlap", "Pristine filter overlaps"),
        pca=filter_figure("pca", "filter_pca", "Filter ensemble PCA"),
        u1=filter_figure("u1", "filter_u1", "Emergent U(1) of the filters"),
    wildcard_constraints:
        system=filter_systems(),
    log:
        results("logs/dimer_filter_figures/{system}.log"),
    params:
        settings=filter_settings,
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/dimer_filter_figures.py"
