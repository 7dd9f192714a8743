"""merge_runs: all runs stores of a system -> one ensemble store (rsmine.aggregate)."""

from contextlib import redirect_stderr
from pathlib import Path

from rsmine.aggregate import RunsPart, aggregate


def main(smk) -> None:
    merge = smk.params.merge
    parts = [
        RunsPart(Path(p["path"]), p["point"], float(p["control"]), p["lb"], p["components"])
        for p in merge["parts"]
    ]
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        aggregate(parts, smk.output[0], int(merge["runs"]), params=merge["config"])


main(snakemake)  # noqa: F821
