"""Aggregation: every runs store of a system -> one ensemble store."""


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
