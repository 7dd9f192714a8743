"""Dimer fields (paper Figs. 9g and 10): height histograms, RSMI against the rotation angle
of a filter pair, and coarse-grained configurations with their two-point correlation.

Active for every dimer system with a `dimer_fields` entry; its `points` are temperatures of
the system's `points`, its filters the runs store of buffer width `lb`, chunk 0.
"""


rule figure_height:
    input:
        field_samples,
    output:
        table=results("tables/{system}_height.csv"),
        figure=report(
            results("figures/{system}_height.png"),
            caption="../report/height.rst",
            category="Dimer fields",
            subcategory="{system}",
        ),
    log:
        results("logs/figure_height/{system}.log"),
    params:
        labels=field_legend,
        blocks=field_option("blocks"),
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/height.py"


rule rotation:
    input:
        filters=field_filters,
        samples=samples_store,
    output:
        results("tables/{system}_rotation_{plane}_{point}.csv"),
    log:
        results("logs/rotation/{system}/{plane}/{point}.log"),
    params:
        run=field_option("run"),
        angles=field_option("angles"),
        repeats=field_option("repeats"),
        epochs=field_option("epochs"),
        seed=field_option("seed"),
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/rotation.py"


rule figure_rotation:
    input:
        field_rotations,
    output:
        table=results("tables/{system}_flatness_{plane}.csv"),
        figure=report(
            results("figures/{system}_rotation_{plane}.png"),
            caption="../report/rotation.rst",
            category="Dimer fields",
            subcategory="{system}",
        ),
    log:
        results("logs/figure_rotation/{system}/{plane}.log"),
    params:
        labels=field_legend,
        title=system_title,
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/figure_rotation.py"


rule coarse_grain:
    input:
        filters=field_filters,
        samples=samples_store,
    output:
        directory(results("coarse/{system}/{point}.zarr")),
    log:
        results("logs/coarse_grain/{system}/{point}.log"),
    params:
        args=coarse_grain_args,
    conda:
        "../../envs/rsmine.yaml"
    shell:
        "rsmine coarse-grain --filters {input.filters:q} --samples {input.samples:q}"
        " --out {output:q} {params.args} 2> {log:q}"


rule figure_coarse_correlation:
    input:
        field_coarse,
    output:
        table=results("tables/{system}_coarse_correlation.csv"),
        figure=report(
            results("figures/{system}_coarse_correlation.png"),
            caption="../report/coarse_correlation.rst",
            category="Dimer fields",
            subcategory="{system}",
        ),
    log:
        results("logs/figure_coarse_correlation/{system}.log"),
    params:
        labels=field_legend,
        title=system_title,
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/coarse_correlation.py"
