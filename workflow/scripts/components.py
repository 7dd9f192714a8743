"""components: ensemble store -> RSMI per number of components (CSV) and figure."""

from contextlib import redirect_stderr

from rsmine.analysis.rsmi.summary import components_sweep
from rsmine.analysis.tables import write_csv
from rsmine.figures import rsmi


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        table = components_sweep(smk.input[0])
        write_csv(table, smk.output.table)
        rsmi.components(table, smk.params.control, smk.params.title, path=smk.output.figure)


main(snakemake)  # noqa: F821
