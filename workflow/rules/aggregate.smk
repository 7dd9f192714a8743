"""Aggregation: runs stores -> one ensemble store per system -> RSMI table -> figures."""


rule merge_runs:
    input:
        runs_of_system,
    output:
        directory(results("ensembles/{system}.zarr")),
    log:
        results("logs/merge_runs/{system}.log"),
    params:
        merge=merge_params,
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/merge_runs.py"


rule summarise:
    input:
        results("ensembles/{system}.zarr"),
    output:
        results("tables/{system}_rsmi.csv"),
    log:
        results("logs/summarise/{system}.log"),
    params:
        components=main_components,
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/summarise.py"


rule figure_rsmi_vs_control:
    input:
        results("tables/{system}_rsmi.csv"),
    output:
        report(
            results("figures/{system}_rsmi_vs_control.png"),
            caption="../report/rsmi_vs_control.rst",
            category="RSMI against the control parameter",
            subcategory="{system}",
        ),
    log:
        results("logs/figure/{system}_rsmi_vs_control.log"),
    params:
        figure="rsmi_vs_control",
        control=figure_control,
        model=figure_model,
        title=figure_title,
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/figure.py"


rule figure_rsmi_vs_buffer:
    input:
        results("tables/{system}_rsmi.csv"),
    output:
        report(
            results("figures/{system}_rsmi_vs_buffer.png"),
            caption="../report/rsmi_vs_buffer.rst",
            category="RSMI against the buffer width",
            subcategory="{system}",
        ),
    log:
        results("logs/figure/{system}_rsmi_vs_buffer.log"),
    params:
        figure="rsmi_vs_buffer",
        control=figure_control,
        model=figure_model,
        title=figure_title,
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/figure.py"
