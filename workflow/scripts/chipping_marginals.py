"""figure_chipping_marginals: chipping sample stores -> p(m) per w on log-log axes."""

from contextlib import redirect_stderr

from rsmine.analysis.chipping.marginals import read_marginals
from rsmine.figures.chipping import mass_marginals


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        stores = dict(zip(smk.params.w, smk.input, strict=True))
        mass_marginals(read_marginals(stores), smk.params.title, path=smk.output[0])


main(snakemake)  # noqa: F821
