"""rotation: one run's filter pair, rotated, fixed-Λ RSMI per angle
(rsmine.experiments.rotation)."""

from contextlib import redirect_stderr

from rsmine.analysis.tables import write_csv
from rsmine.experiments.rotation import rotation_scan


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        table = rotation_scan(
            smk.input.filters,
            smk.input.samples,
            run=smk.params.run,
            angles=smk.params.angles,
            repeats=smk.params.repeats,
            seed=smk.params.seed,
            plane=smk.wildcards.plane,
            train={"epochs": smk.params.epochs, "device": "cpu"},
        )
        write_csv(table, smk.output[0])


main(snakemake)  # noqa: F821
