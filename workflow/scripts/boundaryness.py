"""boundaryness: ensemble store -> boundaryness per point and lb, its peaks (CSV), figure."""

from contextlib import redirect_stderr

from rsmine.analysis import physics_figures
from rsmine.analysis.boundaryness import boundaryness_curves, boundaryness_peaks
from rsmine.analysis.figures import transition_mark


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        curves = boundaryness_curves(smk.input[0], smk.params.components)
        peaks = boundaryness_peaks(curves)
        curves.to_csv(smk.output.table, index=False)
        peaks.to_csv(smk.output.peaks, index=False)
        physics_figures.boundaryness(
            curves,
            peaks,
            smk.params.control,
            smk.params.title,
            transition_mark(smk.params.model),
            smk.output.figure,
        )


main(snakemake)  # noqa: F821
