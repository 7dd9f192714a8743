"""dimer_filter_figures: dimer ensemble store + tables -> the filter-ensemble figures."""

from contextlib import redirect_stderr

import pandas as pd

from rsmine.analysis import dimer_figures
from rsmine.analysis.pca import ensemble_pca
from rsmine.analysis.projections import nearest_temperatures, read_filter_ensemble
from rsmine.systems import transition

T_BKT = transition("dimers").value


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        settings = smk.params.settings
        ensemble = read_filter_ensemble(smk.input.ensemble, settings["lb"], settings["components"])
        shown = nearest_temperatures(ensemble, settings["histograms"])
        dimer_figures.projection_histograms(ensemble, shown, path=smk.output.projections)
        overlap = pd.read_csv(smk.input.overlap)
        dimer_figures.pristine_overlap(overlap, T_BKT, smk.output.overlap)
        result = ensemble_pca(ensemble, settings["pca_window"])
        dimer_figures.ensemble_pca_figure(ensemble, result, smk.output.pca)
        dimer_figures.u1_uniformity(pd.read_csv(smk.input.u1), T_BKT, smk.output.u1)


main(snakemake)  # noqa: F821
