"""dimer_filter_figures: dimer ensemble store + tables -> the filter-ensemble figures."""

from contextlib import redirect_stderr

import pandas as pd

from rsmine.analysis.dimers.pca import ensemble_pca
from rsmine.analysis.dimers.projections import nearest_temperatures, read_filter_ensemble
from rsmine.figures import dimers
from rsmine.systems import transition

T_BKT = transition("dimers").value


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        settings = smk.params.settings
        ensemble = read_filter_ensemble(smk.input.ensemble, settings["lb"], settings["components"])
        shown = nearest_temperatures(ensemble, settings["histograms"])
        dimers.projection_histograms(ensemble, shown, path=smk.output.projections)
        overlap = pd.read_csv(smk.input.overlap)
        dimers.pristine_overlap(overlap, T_BKT, path=smk.output.overlap)
        result = ensemble_pca(ensemble, settings["pca_window"])
        dimers.ensemble_pca(ensemble, result, path=smk.output.pca)
        dimers.u1_uniformity(pd.read_csv(smk.input.u1), T_BKT, path=smk.output.u1)


main(snakemake)  # noqa: F821
