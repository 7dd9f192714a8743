"""transition: ensemble store + RSMI table -> transition estimates (CSV) and figure."""

from contextlib import redirect_stderr

import pandas as pd

from rsmine.analysis import physics_figures
from rsmine.analysis.transition import critical_point, transition_table


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        critical = critical_point(smk.params.model)
        table = transition_table(smk.input.ensemble, smk.params.components, critical)
        table.to_csv(smk.output.table, index=False)
        summary = pd.read_csv(smk.input.summary)
        physics_figures.transition(
            summary, table, smk.params.control, smk.params.title, critical, smk.output.figure
        )


main(snakemake)  # noqa: F821
