"""figure_filters: ensemble store -> filter gallery at the largest lb + alignment table."""

from contextlib import redirect_stderr

from rsmine.analysis.filters.gallery import gallery_rows, gallery_table, read_filter_cells
from rsmine.analysis.tables import write_csv
from rsmine.figures.filters import filter_gallery


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        lattice, lb, cells = read_filter_cells(smk.input[0], control=smk.params.control)
        title = f"{smk.params.title}: learned filters at $L_B$ = {lb}"
        rows = gallery_rows(cells)
        filter_gallery(lattice, rows, title, path=smk.output.figure)
        table = gallery_table(rows)[["control", "runs", "drawn", "overlap"]]
        table.insert(1, "lb", lb)
        columns = {"drawn": "drawn_run_ids", "overlap": "mean_cosine_overlap_with_mean"}
        write_csv(table, smk.output.table, columns)


main(snakemake)  # noqa: F821
