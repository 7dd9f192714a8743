"""figure_rotation: rotation tables -> flatness (CSV) and Fig. 9g (rsmine.figures.rotation)."""

from contextlib import redirect_stderr

import pandas as pd

from rsmine.analysis.tables import write_csv
from rsmine.experiments.rotation import flatness
from rsmine.figures.rotation import rsmi_vs_angle


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        tables = {
            label: pd.read_csv(path)
            for label, path in zip(smk.params.labels, smk.input, strict=True)
        }
        flat = {label: flatness(table) for label, table in tables.items()}
        write_csv(
            pd.DataFrame([{"point": label, **f} for label, f in flat.items()]), smk.output.table
        )
        title = f"{smk.params.title}: filter pair rotated in the {smk.wildcards.plane} plane"
        rsmi_vs_angle(tables, flat, title, path=smk.output.figure)


main(snakemake)  # noqa: F821
