"""finite_size: transition tables at several lattice sizes -> x_c(L -> inf) (CSV) and figure
(rsmine.analysis.rsmi.finite_size, rsmine.figures.transitions)."""

from contextlib import redirect_stderr

import pandas as pd

from rsmine.analysis.rsmi.finite_size import Z95, estimates_table, extrapolate
from rsmine.analysis.tables import write_csv
from rsmine.figures import transitions
from rsmine.figures.style import transition_mark


def main(smk) -> None:
    with open(smk.log[0], "w") as log, redirect_stderr(log):
        settings = smk.params.settings
        tables = {
            size: pd.read_csv(path) for size, path in zip(settings["sizes"], smk.input, strict=True)
        }
        table = estimates_table(tables, settings["lb"])
        fit = extrapolate(table["size"], table["estimate"], table["error"], nu=settings["nu"])
        limit = {
            "size": float("inf"),
            "estimate": fit.limit,
            "error": (fit.limit_ci[1] - fit.limit_ci[0]) / (2 * Z95),
            "shape": f"extrapolated (ci {fit.limit_ci[0]:.4g} to {fit.limit_ci[1]:.4g})",
        }
        out = pd.concat([table, pd.DataFrame([limit])], ignore_index=True)
        write_csv(out.assign(nu=fit.nu, chi2=fit.chi2, dof=fit.dof), smk.output.table)
        sizes = ", ".join(map(str, settings["sizes"]))
        title = f"{settings['model']}, lb {settings['lb']}, L = {sizes}"
        transitions.finite_size(
            table,
            fit,
            settings["control"],
            title,
            mark=transition_mark(settings["model"]),
            path=smk.output.figure,
        )


main(snakemake)  # noqa: F821
