"""dimer_filter_tables: dimer ensemble store -> CSV tables of the filter-ensemble analyses."""

from contextlib import redirect_stderr

from rsmine.analysis.dimers.pca import ensemble_pca, pca_table
from rsmine.analysis.dimers.projections import overlap_table, peak_table, read_filter_ensemble
from rsmine.analysis.dimers.u1 import u1_table
from rsmine.analysis.tables import write_csv


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        settings = smk.params.settings
        ensemble = read_filter_ensemble(smk.input[0], settings["lb"], settings["components"])
        write_csv(overlap_table(ensemble), smk.output.overlap)
        write_csv(peak_table(ensemble), smk.output.peaks)
        write_csv(pca_table(ensemble_pca(ensemble, settings["pca_window"])), smk.output.pca)
        write_csv(u1_table(ensemble, settings["min_overlap"]), smk.output.u1)


main(snakemake)  # noqa: F821
