"""boundaryness: ensemble store -> boundaryness per point and lb, its peaks (CSV), figure."""

from contextlib import redirect_stderr

from rsmine.analysis.rsmi.boundaryness import boundaryness_curves, boundaryness_peaks
from rsmine.analysis.tables import write_csv
from rsmine.figures import transitions
from rsmine.figures.style import transition_mark


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        curves = boundaryness_curves(smk.input[0], smk.params.components, smk.params.staggered)
        peaks = boundaryness_peaks(curves)
        write_csv(curves, smk.output.table)
        write_csv(peaks, smk.output.peaks)
        transitions.boundaryness(
            curves,
            peaks,
            smk.params.control,
            smk.params.title,
            mark=transition_mark(smk.params.model),
            path=smk.output.figure,
        )


main(snakemake)  # noqa: F821
