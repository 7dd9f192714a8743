"""components: ensemble store -> RSMI per number of components (CSV) and figure."""

from contextlib import redirect_stderr

from rsmine.analysis import physics_figures
from rsmine.analysis.ensembles import components_sweep
from rsmine.analysis.tables import write_csv


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        table = components_sweep(smk.input[0])
        write_csv(table, smk.output.table)
        physics_figures.components(table, smk.params.control, smk.params.title, smk.output.figure)


main(snakemake)  # noqa: F821
