"""RSMI-NE ensembles: one job per system x point x lb x chunk of runs (a GPU job on SLURM)."""


rule optimise:
    input:
        samples=samples_store,
    output:
        directory(results("runs/{system}/{point}/LB{lb}/c{chunk}.zarr")),
    log:
        results("logs/optimise/{system}/{point}/LB{lb}/c{chunk}.log"),
    params:
        args=optimise_args,
    conda:
        "../../envs/rsmine-gpu.yaml"
    shell:
        "rsmine optimise --samples {input.samples} --out {output} {params.args}"
        " --device auto 2> {log}"
