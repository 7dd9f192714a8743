"""buffer_fits: RSMI table -> exponential / power-law fits of RSMI vs lb (CSV), υ against the
fit range (CSV) and figure."""

from contextlib import redirect_stderr

from rsmine.analysis.rsmi.scaling import buffer_fits_table, exponent_ranges
from rsmine.analysis.rsmi.summary import read_summary_csv
from rsmine.analysis.tables import write_csv
from rsmine.figures import rsmi


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        summary = read_summary_csv(smk.input[0])
        table, fits = buffer_fits_table(summary, smk.params.lv)
        write_csv(table, smk.output.table)
        write_csv(exponent_ranges(summary, smk.params.lv), smk.output.ranges)
        rsmi.buffer_fits(
            summary, fits, smk.params.control, smk.params.title, path=smk.output.figure
        )


main(snakemake)  # noqa: F821
