"""figure_filters: ensemble store -> filter gallery at the largest lb + alignment table."""

from contextlib import redirect_stderr

import pandas as pd

from rsmine.analysis.gallery import filter_gallery, read_filter_cells
from rsmine.analysis.tables import write_csv


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        lattice, lb, cells = read_filter_cells(smk.input[0], control=smk.params.control)
        title = f"{smk.params.title}: learned filters at $L_B$ = {lb}"
        _, record = filter_gallery(lattice, cells, title, path=smk.output.figure)
        table = pd.DataFrame(record)[["control", "runs", "drawn", "overlap"]]
        table.insert(1, "lb", lb)
        columns = {"drawn": "drawn_run_ids", "overlap": "mean_cosine_overlap_with_mean"}
        write_csv(table, smk.output.table, columns)


main(snakemake)  # noqa: F821
