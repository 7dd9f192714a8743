"""Aggregation: every runs store of a system -> one ensemble store (`rsmine aggregate`)."""


rule aggregate:
    input:
        runs_of_system,
    output:
        directory(results("ensembles/{system}.zarr")),
    log:
        results("logs/aggregate/{system}.log"),
    params:
        parts=aggregate_parts,
        runs=aggregate_option("runs"),
        config=aggregate_option("params"),
    conda:
        "../../envs/rsmine.yaml"
    shell:
        "rsmine aggregate --out {output:q} --runs {params.runs} --params {params.config:q}"
        " {params.parts:q} 2> {log:q}"
