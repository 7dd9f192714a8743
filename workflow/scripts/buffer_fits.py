"""buffer_fits: RSMI table -> exponential / power-law fits of RSMI vs lb (CSV) and figure."""

from contextlib import redirect_stderr

from rsmine.analysis import physics_figures
from rsmine.analysis.ensembles import read_summary_csv
from rsmine.analysis.scaling import buffer_fits_table
from rsmine.analysis.tables import write_csv


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        summary = read_summary_csv(smk.input[0])
        table, _ = buffer_fits_table(summary, smk.params.lv)
        write_csv(table, smk.output.table)
        physics_figures.buffer_fits(
            summary, smk.params.control, smk.params.title, smk.output.figure
        )


main(snakemake)  # noqa: F821
