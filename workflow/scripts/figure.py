"""figure: RSMI table -> one figure of rsmine.analysis.figures (named by params.figure)."""

from contextlib import redirect_stderr

import pandas as pd

from rsmine.analysis.figures import FIGURES


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        table = pd.read_csv(smk.input[0])
        FIGURES[smk.params.figure](table, smk.params.control, smk.params.title, smk.output[0])


main(snakemake)  # noqa: F821
