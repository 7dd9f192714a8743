"""The analysis rules end to end on a tiny Ising ferromagnet with a components sweep."""

import pandas as pd
import pytest
from snakemake_runner import ROOT, job_stats, load, snakemake, write_config

from rsmine import stores

ANALYSES = ("transition", "buffer_fits", "boundaryness", "components")


@pytest.mark.slow
def test_analysis_rules_write_tables_figures_and_record_components(tmp_path):
    tiny = load("config/tiny.yaml")["systems"]["ising_ferro"]
    system = dict(tiny, points=[0.5, 0.9, 1.1, 2.0])  # 4 finite points: a transition
    system["simulate"] = dict(tiny["simulate"], L=10)
    system["optimise"] = dict(
        tiny["optimise"],
        lv=3,  # a 3x3 block has a bulk: boundaryness is defined
        lb=[0, 1, 2],
        components=[1, 2],
        components_points=[2.0],
        runs_per_job=2,
    )
    config = write_config(
        tmp_path / "analyse.yaml", {"results": "out", "systems": {"ising_ferro": system}}
    )
    profile = str(ROOT / "profiles/local")
    # 28 jobs: about 2 minutes on 2 idle cores, much more on a loaded machine
    result = snakemake(tmp_path, "--profile", profile, configfile=config, timeout=1800)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    stats = job_stats(result.stdout + result.stderr)
    assert stats["optimise"] == 4 * 3 + 3  # C1 everywhere, C2 at Tc/T = 2 for each lb
    assert all(stats[name] == 1 for name in ANALYSES)
    out = tmp_path / "out"
    group = stores.open_store(out / "ensembles/ising_ferro.zarr", "ensemble")
    assert sorted(set(group["components"][...].tolist())) == [1, 2]
    assert group["filters"].shape[1] == 2  # C1 runs padded with a NaN row
    for name in ANALYSES:
        assert (out / f"figures/ising_ferro_{name}.png").stat().st_size > 1000
    transition = pd.read_csv(out / "tables/ising_ferro_transition.csv")
    assert set(transition["method"]) == {"steepest", "boundaryness_peak"}
    assert (transition["exact"] == 1.0).all() and len(transition) == 2 * 3
    fits = pd.read_csv(out / "tables/ising_ferro_buffer_fits.csv")
    assert len(fits) == 4 and set(fits["model"]) <= {"exponential", "power", "undetermined"}
    sweep = pd.read_csv(out / "tables/ising_ferro_components.csv")
    assert sorted(sweep["components"]) == [1, 1, 1, 2, 2, 2]
    assert set(sweep["control"]) == {2.0}
    rsmi = pd.read_csv(out / "tables/ising_ferro_rsmi.csv")
    assert set(rsmi["components"]) == {1} and len(rsmi) == 4 * 3  # main count only
    peaks = pd.read_csv(out / "tables/ising_ferro_boundaryness_peaks.csv")
    assert peaks["lb"].tolist() == [0, 1, 2]
