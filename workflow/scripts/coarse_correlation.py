"""coarse_correlation: coarse-grained stores -> G(r) of H (CSV) and its figure
(rsmine.analysis.coarse.correlation, rsmine.figures.coarse)."""

from contextlib import redirect_stderr

import pandas as pd

from rsmine.analysis.coarse.correlation import two_point
from rsmine.analysis.tables import write_csv
from rsmine.coarse_grain import block_spacing, read_components
from rsmine.figures import coarse


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        tables = {
            label: two_point(read_components(path), spacing=block_spacing(path))
            for label, path in zip(smk.params.labels, smk.input, strict=True)
        }
        frame = pd.concat([t.assign(point=label) for label, t in tables.items()])
        write_csv(frame, smk.output.table)
        title = f"{smk.params.title}: coarse-grained H"
        coarse.two_point(tables, title, path=smk.output.figure)


main(snakemake)  # noqa: F821
