"""The filter-ensemble rules (analyse_dimer_filters.smk) under snakemake; their config checks."""

from __future__ import annotations

import pandas as pd
import pytest
from factories import write_planted_ensemble
from snakemake_runner import load, schema_errors, snakemake, write_config

from rsmine import study as science
from rsmine.errors import InputError

FILTERS = {"pca_window": [10.0, 20.0], "histograms": [0.3, 15.0]}


def planted_config() -> dict:
    """A dimer system sized like the planted ensemble (lv 8 on a 32 x 32 grid, T 0.3 and 15)."""
    config = load("config/tiny.yaml")
    dimers = config["systems"]["dimers"]
    dimers["points"] = [0.3, 15.0]
    dimers["simulate"]["n"] = 16
    dimers["optimise"].update(lv=8, lb=[2, 4], le=4)
    dimers["filter_ensemble"] = dict(FILTERS)
    dimers.pop("dimer_fields")  # its points are tiny's, not these (refused at plan time)
    config["systems"] = {"dimers": dimers}
    config.pop("chipping_figures")  # it names tiny's chipping system (refused without it)
    return config


@pytest.mark.slow
def test_rules_turn_an_ensemble_into_tables_and_figures(tmp_path):
    results = tmp_path / "results/tiny"
    ensembles = results / "ensembles"
    ensembles.mkdir(parents=True)  # the output guard refuses a missing parent
    write_planted_ensemble(ensembles / "dimers.zarr")
    configfile = write_config(tmp_path / "planted.yaml", planted_config())
    targets = [f"results/tiny/figures/dimers_filter_{f}.png" for f in ("projections", "pca", "u1")]
    result = snakemake(tmp_path, *targets, "--cores", "1", configfile=configfile)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for name in ("projections", "overlap", "pca", "u1"):
        assert (results / f"figures/dimers_filter_{name}.png").stat().st_size > 10_000
    overlap = pd.read_csv(results / "tables/dimers_filter_overlap.csv").set_index("T")
    assert list(overlap["runs"]) == [59, 60]  # lb 2, the failed run left out
    assert overlap.loc[0.3, "P_mean"] > 0.97 and overlap.loc[15.0, "E_mean"] > 0.97
    pca = pd.read_csv(results / "tables/dimers_filter_pca.csv")
    assert pca["angle_E"].iloc[:2].max() < 5.0 and len(pca) == 32
    u1 = pd.read_csv(results / "tables/dimers_filter_u1.csv").set_index("T")
    assert u1.loc[15.0, "n"] == 60 and u1.loc[15.0, "p"] > 1e-3
    peaks = pd.read_csv(results / "tables/dimers_filter_peaks.csv")
    assert peaks.query("T == 0.3 and plane == 'plaquette'")["peaks"].item() == 4
    report = snakemake(tmp_path, *targets, "--report", "report.html", configfile=configfile)
    assert report.returncode == 0 and "ERROR" not in report.stderr, report.stderr[-3000:]
    html = (tmp_path / "report.html").read_text()
    for name in ("projections", "overlap", "pca", "u1"):
        assert f"dimers_filter_{name}.png" in html


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda d: d["optimise"].update(lv=6), "lv divisible by 4"),
        (lambda d: d["filter_ensemble"].update(lb=3), "filter_ensemble.lb 3"),
        (lambda d: d["filter_ensemble"].update(pca_window=[3.7, 0.7]), "low < high"),
    ],
)
def test_config_check_refuses_settings_the_analyses_cannot_use(edit, named):
    config = planted_config()
    edit(config["systems"]["dimers"])
    assert schema_errors(config) == ""
    with pytest.raises(InputError, match=named):
        science.check(config)


def test_schema_keeps_filter_ensembles_to_dimer_systems():
    config = load("config.yaml")
    config["systems"]["ising_ferro"]["filter_ensemble"] = dict(FILTERS)
    assert "dimers" in schema_errors(config)
    config = load("config.yaml")
    del config["systems"]["dimers"]["filter_ensemble"]["histograms"]
    assert "histograms" in schema_errors(config)
