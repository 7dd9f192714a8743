"""height: dimer sample stores -> height histograms (CSV) and Fig. 10
(rsmine.analysis.dimers.height_histograms, rsmine.figures.dimers)."""

from contextlib import redirect_stderr

import pandas as pd

from rsmine.analysis.dimers.height_histograms import phase_histograms
from rsmine.analysis.tables import write_csv
from rsmine.figures.dimers import height_histograms
from rsmine.stores import read_samples


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        blocks = [1, *smk.params.blocks]
        tables = {
            label: phase_histograms(read_samples(path).configs, blocks)
            for label, path in zip(smk.params.labels, smk.input, strict=True)
        }
        frame = pd.concat([t.assign(point=label) for label, t in tables.items()])
        write_csv(frame, smk.output.table)
        height_histograms(tables, path=smk.output.figure)


main(snakemake)  # noqa: F821
