"""transition: ensemble store + RSMI table -> transition estimates (CSV) and figure."""

from contextlib import redirect_stderr

import pandas as pd

from rsmine.analysis import physics_figures
from rsmine.analysis.figures import transition_mark
from rsmine.analysis.transition import transition_table


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        mark = transition_mark(smk.params.model)
        exact = mark.value if mark else None
        table = transition_table(smk.input.ensemble, smk.params.components, exact)
        table.to_csv(smk.output.table, index=False)
        summary = pd.read_csv(smk.input.summary)
        physics_figures.transition(
            summary, table, smk.params.control, smk.params.title, mark, smk.output.figure
        )


main(snakemake)  # noqa: F821
