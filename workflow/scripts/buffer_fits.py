"""buffer_fits: RSMI table -> exponential / power-law fits of RSMI vs lb (CSV) and figure."""

from contextlib import redirect_stderr

import pandas as pd

from rsmine.analysis import physics_figures
from rsmine.analysis.scaling import buffer_fits_table


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        summary = pd.read_csv(smk.input[0])
        table, _ = buffer_fits_table(summary)
        table.to_csv(smk.output.table, index=False)
        physics_figures.buffer_fits(
            summary, smk.params.control, smk.params.title, smk.output.figure
        )


main(snakemake)  # noqa: F821
