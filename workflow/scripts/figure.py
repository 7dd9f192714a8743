"""figure: RSMI table -> one figure of rsmine.analysis.figures (named by params.figure)."""

from contextlib import redirect_stderr

from rsmine.analysis.ensembles import read_summary_csv
from rsmine.analysis.figures import FIGURES, transition_mark


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        table = read_summary_csv(smk.input[0])
        mark = transition_mark(smk.params.model)
        figure = FIGURES[smk.params.figure]
        figure(table, smk.params.control, smk.params.title, smk.output[0], mark=mark)


main(snakemake)  # noqa: F821
