"""boundaryness: ensemble store -> boundaryness per point and lb, its peaks (CSV), figure."""

from contextlib import redirect_stderr

from rsmine.analysis import physics_figures
from rsmine.analysis.boundaryness import boundaryness_curves, boundaryness_peaks
from rsmine.analysis.figures import transition_mark
from rsmine.analysis.tables import write_csv


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        curves = boundaryness_curves(
            smk.input[0], smk.params.components, smk.params.staggered
        )
        peaks = boundaryness_peaks(curves)
        write_csv(curves, smk.output.table)
        write_csv(peaks, smk.output.peaks)
        physics_figures.boundaryness(
            curves,
            peaks,
            smk.params.control,
            smk.params.title,
            transition_mark(smk.params.model),
            smk.output.figure,
        )


main(snakemake)  # noqa: F821
