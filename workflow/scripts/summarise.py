"""summarise: ensemble store -> CSV table of test-part RSMI per point and lb (nats)."""

from contextlib import redirect_stderr

from rsmine.analysis.ensembles import summarise


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        summarise(smk.input[0]).to_csv(smk.output[0], index=False)


main(snakemake)  # noqa: F821
