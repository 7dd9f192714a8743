"""figure_chipping_rsmi: baselines, ensembles and transition tables -> Fig. 12b."""

from contextlib import redirect_stderr

import pandas as pd

from rsmine.analysis.chipping.baselines import learned_curve, read_baselines_csv
from rsmine.figures.chipping import rsmi_baselines


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        found = smk.params.learned
        tables = dict(zip(found["with_transition"], smk.input.transitions, strict=True))
        learned = [
            (learned_curve(store), pd.read_csv(tables[s]) if s in tables else None)
            for s, store in zip(found["systems"], smk.input.ensembles, strict=True)
        ]
        baselines = read_baselines_csv(smk.input.baselines)
        rsmi_baselines(learned, baselines, smk.params.title, path=smk.output[0])


main(snakemake)  # noqa: F821
