"""Monte Carlo samples: one sample store per system and point (skipped for `source` systems)."""


rule simulate_ising:
    output:
        directory(results("samples/{system}/{point}.zarr")),
    wildcard_constraints:
        system=one_of(PLAN.simulated("ising")),
    log:
        results("logs/simulate_ising/{system}/{point}.log"),
    params:
        args=simulate_args,
    conda:
        "../../envs/rsmine.yaml"
    shell:
        "rsmine simulate ising {params.args} --out {output:q} 2> {log:q}"


rule simulate_chipping:
    output:
        directory(results("samples/{system}/{point}.zarr")),
    wildcard_constraints:
        system=one_of(PLAN.simulated("chipping")),
    log:
        results("logs/simulate_chipping/{system}/{point}.log"),
    params:
        args=simulate_args,
    conda:
        "../../envs/rsmine.yaml"
    shell:
        "rsmine simulate chipping {params.args} --out {output:q} 2> {log:q}"


rule simulate_dimers:
    output:
        directory(results("samples/{system}/{point}.zarr")),
    wildcard_constraints:
        system=one_of(PLAN.simulated("dimers")),
    log:
        results("logs/simulate_dimers/{system}/{point}.log"),
    params:
        args=dimer_args,
    threads: dimer_tasks
    resources:
        # the MPI launcher (the profiles set it) and the ranks (simulate: tasks of the config)
        mpi="mpiexec",
        tasks=dimer_tasks,
    conda:
        "../../envs/rsmine.yaml"
    shell:
        "{resources.mpi} -n {resources.tasks} rsmine simulate dimers {params.args}"
        " --out {output:q} 2> {log:q}"
