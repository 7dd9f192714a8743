"""chipping_baselines: chipping sample stores -> exact and model-free baselines (CSV)."""

from contextlib import redirect_stderr

from rsmine.analysis.chipping.baselines import CSV_NAMES, baselines_table
from rsmine.analysis.tables import write_csv


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        s = smk.params.settings
        stores = dict(zip(s["w"], smk.input, strict=True))
        table = baselines_table(
            stores, s["lv"], s["lb"], s["le"], le_thin=s["le_thin"], origins=s["origins"]
        )
        write_csv(table, smk.output[0], CSV_NAMES)


main(snakemake)  # noqa: F821
