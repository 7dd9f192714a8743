"""height: dimer sample stores -> height histograms (CSV) and Fig. 10 (rsmine.analysis.height)."""

from contextlib import redirect_stderr

import pandas as pd

from rsmine.analysis.height import figure_height_histograms, phase_histograms
from rsmine.analysis.tables import write_csv
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
        figure_height_histograms(tables, smk.output.figure)


main(snakemake)  # noqa: F821
