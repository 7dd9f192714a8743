"""RSMI of an ensemble: its table and curves against the control parameter and the buffer
width, and the physics analyses (rsmine.analysis.rsmi.{transition,scaling,boundaryness}):
transition location, buffer scaling, boundaryness, components sweep; tables and figures."""


rule summarise:
    input:
        results("ensembles/{system}.zarr"),
    output:
        report(
            results("tables/{system}_rsmi.csv"),
            caption="../report/table_rsmi.rst",
            category="Tables",
            subcategory="{system}",
        ),
    log:
        results("logs/summarise/{system}.log"),
    params:
        components=main_components,
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/summarise.py"


rule figure_rsmi_vs_control:
    input:
        results("tables/{system}_rsmi.csv"),
    output:
        report(
            results("figures/{system}_rsmi_vs_control.png"),
            caption="../report/rsmi_vs_control.rst",
            category="RSMI against the control parameter",
            subcategory="{system}",
        ),
    log:
        results("logs/figure/{system}_rsmi_vs_control.log"),
    params:
        figure="rsmi_vs_control",
        control=control_label,
        model=system_model,
        title=system_title,
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/figure.py"


rule figure_rsmi_vs_buffer:
    input:
        results("tables/{system}_rsmi.csv"),
    output:
        report(
            results("figures/{system}_rsmi_vs_buffer.png"),
            caption="../report/rsmi_vs_buffer.rst",
            category="RSMI against the buffer width",
            subcategory="{system}",
        ),
    log:
        results("logs/figure/{system}_rsmi_vs_buffer.log"),
    params:
        figure="rsmi_vs_buffer",
        control=control_label,
        model=system_model,
        title=system_title,
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/figure.py"


rule transition:
    input:
        ensemble=results("ensembles/{system}.zarr"),
        summary=results("tables/{system}_rsmi.csv"),
    output:
        table=report(
            results("tables/{system}_transition.csv"),
            caption="../report/table_transition.rst",
            category="Tables",
            subcategory="{system}",
        ),
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
        staggered=staggered_filters,
        model=system_model,
        control=control_label,
        title=system_title,
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/transition.py"


rule buffer_fits:
    input:
        results("tables/{system}_rsmi.csv"),
    output:
        table=report(
            results("tables/{system}_buffer_fits.csv"),
            caption="../report/table_buffer_fits.rst",
            category="Tables",
            subcategory="{system}",
        ),
        ranges=report(
            results("tables/{system}_buffer_exponents.csv"),
            caption="../report/table_buffer_exponents.rst",
            category="Tables",
            subcategory="{system}",
        ),
        figure=report(
            results("figures/{system}_buffer_fits.png"),
            caption="../report/buffer_fits.rst",
            category="RSMI against the buffer width",
            subcategory="{system}",
        ),
    log:
        results("logs/buffer_fits/{system}.log"),
    params:
        lv=visible_side,
        control=control_label,
        title=system_title,
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
        staggered=staggered_filters,
        model=system_model,
        control=control_label,
        title=system_title,
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
        control=control_label,
        title=system_title,
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/components.py"


rule finite_size:
    input:
        extrapolation_tables,
    output:
        table=report(
            results("tables/finite_size/{extrapolation}.csv"),
            caption="../report/table_finite_size.rst",
            category="Tables",
            subcategory="finite-size extrapolation",
        ),
        figure=report(
            results("figures/finite_size/{extrapolation}.png"),
            caption="../report/finite_size.rst",
            category="Transition location",
            subcategory="finite-size extrapolation",
        ),
    log:
        results("logs/finite_size/{extrapolation}.log"),
    params:
        settings=extrapolation_settings,
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/finite_size.py"
