"""RSMI-NE ensembles: one job per system x point x lb x components x chunk of runs.

One GPU job each on SLURM; C<k> is the number of components of H (a sweep, Fig. 11).
"""


rule optimise:
    input:
        samples=samples_store,
    output:
        directory(results("runs/{system}/{point}/LB{lb}/C{components}/c{chunk}.zarr")),
    log:
        results("logs/optimise/{system}/{point}/LB{lb}/C{components}/c{chunk}.log"),
    params:
        args=optimise_args,
    conda:
        "../../envs/rsmine-gpu.yaml"
    shell:
        "rsmine optimise --samples {input.samples:q} --out {output:q} {params.args} 2> {log:q}"
