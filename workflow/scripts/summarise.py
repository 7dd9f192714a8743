"""summarise: ensemble store -> CSV table of test-part RSMI per point and lb (nats),
for the runs of the system's main component count."""

from contextlib import redirect_stderr

from rsmine.analysis.rsmi.summary import summarise, write_summary_csv


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        write_summary_csv(summarise(smk.input[0], smk.params.components), smk.output[0])


main(snakemake)  # noqa: F821
