"""merge_runs: all runs stores of a system -> one ensemble store (rsmine.analysis.ensembles)."""

from contextlib import redirect_stderr
from pathlib import Path

from rsmine.analysis.ensembles import RunsPart, merge_runs


def main(smk) -> None:
    merge = smk.params.merge
    parts = [
        RunsPart(
            Path(p["path"]), p["point"], float(p["control"]), int(p["lb"]), int(p["components"])
        )
        for p in merge["parts"]
    ]
    runs = {(p.point, p.lb): int(merge["runs"]) for p in parts}
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        merge_runs(parts, smk.output[0], runs, params=merge["config"])


main(snakemake)  # noqa: F821
