"""Filters and marginals: the filter gallery of every system, p(m) of chipping systems."""

include: "analyse_filters_params.smk"


localrules:
    figure_filters,
    figure_chipping_marginals,


rule figure_filters:
    input:
        results("ensembles/{system}.zarr"),
    output:
        figure=report(
            results("figures/{system}_filters.png"),
            caption="../report/filters.rst",
            category="Learned filters",
            subcategory="{system}",
        ),
        table=results("tables/{system}_filter_alignment.csv"),
    log:
        results("logs/figure/{system}_filters.log"),
    params:
        control=figure_control,
        title=figure_title,
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/filter_gallery.py"


rule figure_chipping_marginals:
    input:
        chipping_sample_stores,
    output:
        report(
            results("figures/{system}_marginals.png"),
            caption="../report/marginals.rst",
            category="Chipping: site-mass marginals",
            subcategory="{system}",
        ),
    log:
        results("logs/figure/{system}_marginals.log"),
    params:
        title=figure_title,
        w=chipping_w,
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/chipping_marginals.py"
