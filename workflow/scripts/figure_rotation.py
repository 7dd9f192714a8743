"""figure_rotation: rotation tables -> flatness (CSV) and Fig. 9g (rsmine.analysis.rotation)."""

from contextlib import redirect_stderr

import pandas as pd

from rsmine.analysis.rotation import figure_rsmi_vs_angle, flatness
from rsmine.analysis.tables import write_csv


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        tables = {
            label: pd.read_csv(path)
            for label, path in zip(smk.params.labels, smk.input, strict=True)
        }
        rows = [{"point": label, **flatness(table)} for label, table in tables.items()]
        write_csv(pd.DataFrame(rows), smk.output.table)
        title = f"{smk.params.title}: filter pair rotated in the {smk.wildcards.plane} plane"
        figure_rsmi_vs_angle(tables, title, smk.output.figure)


main(snakemake)  # noqa: F821
