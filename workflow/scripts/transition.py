"""transition: ensemble store + RSMI table -> transition estimates (CSV) and figure."""

from contextlib import redirect_stderr

from rsmine.analysis.rsmi.summary import read_summary_csv
from rsmine.analysis.rsmi.transition import transition_table
from rsmine.analysis.tables import write_csv
from rsmine.figures import rsmi
from rsmine.figures.style import transition_mark


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        mark = transition_mark(smk.params.model)
        exact = mark.value if mark else None
        table = transition_table(smk.input.ensemble, smk.params.components, exact)
        write_csv(table, smk.output.table)
        summary = read_summary_csv(smk.input.summary)
        rsmi.transition(
            summary,
            table,
            smk.params.control,
            smk.params.title,
            mark=mark,
            path=smk.output.figure,
        )


main(snakemake)  # noqa: F821
