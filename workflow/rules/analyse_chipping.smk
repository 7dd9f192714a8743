"""Fig. 12b with its baselines: the exact (w = 0) and model-free references of the block mass
(rsmine.analysis.chipping.baselines) and the learned curves of chipping systems against w."""


rule chipping_baselines:
    input:
        chipping_baseline_samples,
    output:
        report(
            results("tables/chipping/{chipping_figure}_baselines.csv"),
            caption="../report/table_chipping_baselines.rst",
            category="Tables",
            subcategory="chipping baselines",
        ),
    log:
        results("logs/chipping_baselines/{chipping_figure}.log"),
    params:
        settings=chipping_baseline_settings,
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/chipping_baselines.py"


rule figure_chipping_rsmi:
    input:
        baselines=results("tables/chipping/{chipping_figure}_baselines.csv"),
        ensembles=lambda wildcards: chipping_learned(wildcards)["ensembles"],
        transitions=lambda wildcards: chipping_learned(wildcards)["transitions"],
    output:
        report(
            results("figures/chipping/{chipping_figure}.png"),
            caption="../report/chipping_rsmi.rst",
            category="RSMI against the control parameter",
            subcategory="chipping with baselines",
        ),
    log:
        results("logs/figure/chipping_{chipping_figure}.log"),
    params:
        learned=chipping_learned,
        title=chipping_title,
    conda:
        "../../envs/rsmine.yaml"
    script:
        "../scripts/chipping_rsmi.py"
