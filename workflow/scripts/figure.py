"""figure: RSMI table -> one figure of rsmine.figures.rsmi (named by params.figure)."""

from contextlib import redirect_stderr

from rsmine.analysis.rsmi.summary import read_summary_csv
from rsmine.figures.rsmi import FIGURES
from rsmine.figures.style import transition_mark


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        table = read_summary_csv(smk.input[0])
        mark = transition_mark(smk.params.model)
        figure = FIGURES[smk.params.figure]
        figure(table, smk.params.control, smk.params.title, mark=mark, path=smk.output[0])


main(snakemake)  # noqa: F821
