"""dimer_filter_tables: dimer ensemble store -> CSV tables of the filter-ensemble analyses."""

from contextlib import redirect_stderr

from rsmine.analysis.pca import ensemble_pca, pca_table
from rsmine.analysis.projections import overlap_table, peak_table, read_filter_ensemble
from rsmine.analysis.u1 import u1_table


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        settings = smk.params.settings
        ensemble = read_filter_ensemble(smk.input[0], settings["lb"])
        overlap_table(ensemble).to_csv(smk.output.overlap, index=False)
        peak_table(ensemble).to_csv(smk.output.peaks, index=False)
        pca_table(ensemble_pca(ensemble, settings["pca_window"])).to_csv(
            smk.output.pca, index=False
        )
        u1_table(ensemble, settings["min_overlap"]).to_csv(smk.output.u1, index=False)


main(snakemake)  # noqa: F821
