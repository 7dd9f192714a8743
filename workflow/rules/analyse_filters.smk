"""Filters and marginals: the filter gallery of every system, p(m) of chipping systems."""

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
        control=control_label,
        title=system_title,
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/filter_gallery.py"


rule figure_chipping_marginals:
    input:
        chipping_samples,
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
        title=system_title,
        w=chipping_w,
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/chipping_marginals.py"
