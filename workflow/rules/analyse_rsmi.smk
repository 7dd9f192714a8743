"""Physics analyses of an ensemble: transition location, buffer scaling, boundaryness,
components sweep (rsmine.analysis.rsmi.{transition,scaling,boundaryness}); tables and figures."""


rule transition:
    input:
        ensemble=results("ensembles/{system}.zarr"),
        summary=results("tables/{system}_rsmi.csv"),
    output:
        table=results("tables/{system}_transition.csv"),
        figure=report(
            results("figures/{system}_transition.png"),
            caption="../report/transition.rst",
            category="Transition location",
            subcategory="{system}",
        ),
    log:
        results("logs/transition/{system}.log"),
    params:
        components=main_components,
        model=system_model,
        control=figure_control,
        title=figure_title,
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/transition.py"


rule buffer_fits:
    input:
        results("tables/{system}_rsmi.csv"),
    output:
        table=results("tables/{system}_buffer_fits.csv"),
        figure=report(
            results("figures/{system}_buffer_fits.png"),
            caption="../report/buffer_fits.rst",
            category="RSMI against the buffer width",
            subcategory="{system}",
        ),
    log:
        results("logs/buffer_fits/{system}.log"),
    params:
        control=figure_control,
        title=figure_title,
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/buffer_fits.py"


rule boundaryness:
    input:
        results("ensembles/{system}.zarr"),
    output:
        table=results("tables/{system}_boundaryness.csv"),
        peaks=results("tables/{system}_boundaryness_peaks.csv"),
        figure=report(
            results("figures/{system}_boundaryness.png"),
            caption="../report/boundaryness.rst",
            category="Boundaryness of the filters",
            subcategory="{system}",
        ),
    log:
        results("logs/boundaryness/{system}.log"),
    params:
        components=main_components,
        model=system_model,
        control=figure_control,
        title=figure_title,
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/boundaryness.py"


rule components:
    input:
        results("ensembles/{system}.zarr"),
    output:
        table=results("tables/{system}_components.csv"),
        figure=report(
            results("figures/{system}_components.png"),
            caption="../report/components.rst",
            category="Number of components",
            subcategory="{system}",
        ),
    log:
        results("logs/components/{system}.log"),
    params:
        control=figure_control,
        title=figure_title,
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/components.py"
