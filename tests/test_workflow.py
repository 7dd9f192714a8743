"""The Snakemake workflow: dry-run plans, lint, config checks, cluster-job plans, a tiny DAG.

Every test runs the real ``snakemake`` of the virtualenv in a subprocess, with
a temporary working directory so the checkout stays clean.
"""

from __future__ import annotations

import math
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from snakemake_runner import (
    ROOT,
    job_stats,
    load,
    planned_wildcards,
    schema_errors,
    shell_commands,
    snakemake,
    write_config,
)
from tiny_dag import NOTES

from rsmine import stores
from rsmine import study as science
from rsmine.errors import InputError

# ------------------------------------------------------------------ dry-run and lint


def test_dry_run_of_paper_config_plans_every_job(tmp_path):
    result = snakemake(tmp_path, "-n")
    assert result.returncode == 0, result.stderr
    out = result.stdout + result.stderr
    config = load("config.yaml")["systems"]
    points = {name: len(s["points"]) for name, s in config.items()}

    def counts(system: dict) -> int:
        """Optimised (point, component count) pairs: the main count everywhere, the
        other counts of a components list at its components_points."""
        extra = len(science.component_counts(system)) - 1
        swept = system["optimise"].get("components_points", system["points"])
        return len(system["points"]) + extra * len(swept)

    optimise = {
        name: counts(s)
        * len(s["optimise"]["lb"])
        * math.ceil(s["optimise"]["runs"] / s["optimise"]["runs_per_job"])
        for name, s in config.items()
    }
    stats = job_stats(out)
    total = stats.pop("total")
    assert total == sum(stats.values())
    readme = (ROOT / "README.md").read_text()  # every count of config.yaml's plan it gives
    assert re.findall(r"(\d+) jobs(?: for config\.yaml|, meant)", readme) == [str(total)] * 2
    ising = [name for name, s in config.items() if s["model"] == "ising"]
    sized = [name for name in ising if name.startswith("ising_ferro_")]  # the finite-size set
    assert stats == {
        "simulate_chipping": points["chipping"],
        "simulate_dimers": points["dimers"],
        "simulate_ising": sum(points[name] for name in ising),
        "optimise": sum(optimise.values()),
        "aggregate": len(config),
        "summarise": len(config),
        "figure_rsmi_vs_buffer": 3,  # not for chipping nor the one-lb finite-size systems
        "figure_rsmi_vs_control": len(config),
        "figure_filters": len(config),
        "figure_chipping_marginals": 1,
        "chipping_baselines": 1,  # Fig. 12b with its baselines
        "figure_chipping_rsmi": 1,
        "dimer_filter_tables": 1,
        "dimer_filter_figures": 1,
        # dimer fields: two temperatures, one figure each of height, rotation, correlation
        "figure_height": 1,
        "rotation": 4,  # two planes
        "figure_rotation": 2,
        "coarse_grain": 2,
        "figure_coarse_correlation": 1,
        "transition": len(config),  # every system has >= 4 finite points
        "buffer_fits": 3,  # chipping and the finite-size systems have a single lb
        "boundaryness": len(ising),  # the Ising systems
        "components": 2,  # ising_ferro (1, 2 at Tc/T = 2) and dimers (2, 1, 3, 4)
        "finite_size": 1,  # the ferromagnet on L = 16, 32, 64, 128
        "all": 1,
    }
    assert len(sized) == 3
    cells = Counter(
        (job["system"], job["point"], job["lb"], job["components"])
        for job in planned_wildcards(out, "optimise")
    )
    dimer_cells = {key: n for key, n in cells.items() if key[0] == "dimers"}
    # 500 runs in chunks of 100: five optimise jobs per temperature, lb and component count
    assert set(dimer_cells.values()) == {5}
    assert len(dimer_cells) == (points["dimers"] + 3 * 2) * 4  # 1, 3, 4 also at T 0.2, inf
    assert {key[3] for key in dimer_cells if key[1] == "T0.5"} == {"2"}
    assert {key[3] for key in dimer_cells if key[1] == "Tinf"} == {"1", "2", "3", "4"}
    assert {n for key, n in cells.items() if key[0] != "dimers"} == {1}


def test_lint_is_clean(tmp_path):
    result = snakemake(tmp_path, "--lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Congratulations" in result.stdout + result.stderr


# ------------------------------------------------------------------ config checks


def test_paper_demo_and_tiny_configs_are_valid():
    for name in ("config.yaml", "config/demo.yaml", "config/tiny.yaml"):
        config = load(name)
        assert schema_errors(config) == "", name
        science.check(config)


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda c: c.update(colour="blue"), "colour"),
        (lambda c: c["systems"]["dimers"].update(points=[0.5, -0.2]), "points"),
        (lambda c: c["systems"]["ising_ferro"]["optimise"].update(runs=0), "runs"),
        (lambda c: c["systems"]["ising_ferro"]["optimise"].update(runs_per_job=-5), "runs_per_job"),
        (lambda c: c["systems"]["chipping"]["optimise"].update(lr=0.1), "lr"),
        (lambda c: c["systems"]["dimers"]["simulate"].update(n=7), "'n'"),
    ],
)
def test_schema_rejects_bad_config_naming_the_key(edit, named):
    config = load("config.yaml")
    edit(config)
    message = schema_errors(config)
    assert message, "the schema accepted a bad configuration"
    assert named in message


def test_points_chunks_seeds_and_training_overrides():
    dimers = load("config.yaml")["systems"]["dimers"]
    points = science.points("dimers", dimers)
    assert [p.label for p in points][-3:] == ["T10", "T15", "Tinf"]
    assert science.chunks(500, 100) == [(0, 100), (100, 100), (200, 100), (300, 100), (400, 100)]
    assert science.chunks(5, 2) == [(0, 2), (2, 2), (4, 1)]
    seeds = {science.optimise_seed(13, p, lb) for p in points for lb in (2, 4, 6, 8)}
    assert len(seeds) == 4 * len(points)  # one ensemble seed per temperature and lb
    assert science.training_options(dimers, points[0])["epochs"] == 15  # T = 0.2 < T_BKT
    assert science.training_options(dimers, points[-1])["epochs"] == 80  # T = inf
    assert science.ising_temperature(1.0) == pytest.approx(2.269185314, abs=1e-9)
    assert math.isinf(science.ising_temperature(0.0))
    twice = dict(dimers, points=[0.65, 0.6500000001])
    with pytest.raises(InputError, match=r"systems.dimers.points: values \['T0.65'\]"):
        science.points("dimers", twice)


def test_window_larger_than_lattice_is_refused_naming_the_keys():
    config = load("config.yaml")
    config["systems"]["ising_ferro"]["optimise"]["le"] = 25
    assert schema_errors(config) == ""
    with pytest.raises(InputError) as info:
        science.check(config)
    message = str(info.value)
    assert "systems.ising_ferro.optimise" in message
    assert "lb 6" in message and "le 25" in message and "= 66" in message
    assert "systems.ising_ferro.simulate.L" in message
    config["systems"]["ising_ferro"]["optimise"]["le"] = 22  # 4 + 16 + 44 = 64 fits exactly
    science.check(config)


def test_snakemake_reports_bad_configs_before_planning(tmp_path):
    config = load("config/tiny.yaml")
    config["systems"]["dimers"]["points"] = [-1.0]
    result = snakemake(tmp_path, "-n", configfile=write_config(tmp_path / "neg.yaml", config))
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert "['dimers']['points'][0]" in out and "minimum" in out
    config = load("config/tiny.yaml")
    config["systems"]["dimers"]["optimise"]["le"] = 4
    result = snakemake(tmp_path, "-n", configfile=write_config(tmp_path / "win.yaml", config))
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert "systems.dimers.optimise" in out and "systems.dimers.simulate.n" in out


def test_source_systems_read_the_users_stores(tmp_path):
    config = load("config/tiny.yaml")
    config.pop("chipping_figures")  # it names tiny's chipping system (refused without it)
    stores = [tmp_path / "mine" / f"{v}.zarr" for v in (0.1, 0.2)]
    config["systems"] = {
        "mine": {  # neither model nor control: the axis is labelled "control"
            "source": [
                {"value": v, "store": str(p)} for v, p in zip((0.1, 0.2), stores, strict=True)
            ],
            "optimise": {"lv": 2, "lb": [1], "le": 1, "runs": 3, "runs_per_job": 2, "seed": 5},
        }
    }
    for path in stores:
        path.mkdir(parents=True)
    result = snakemake(tmp_path, "-n", configfile=write_config(tmp_path / "mine.yaml", config))
    assert result.returncode == 0, result.stderr
    out = result.stdout + result.stderr
    assert job_stats(out)["optimise"] == 4
    assert "simulate_" not in out
    assert str(stores[1]) in out


# ------------------------------------------------------------------ cluster jobs, SLURM profile
# (the real cluster, with real sbatch lines, cancellations and failures: test_slurm_real.py)


@pytest.mark.parametrize("name", ["config/demo.yaml", "config/tiny.yaml"])
def test_a_job_given_only_configfiles_plans_the_commands_of_its_main_process(tmp_path, name):
    """A cluster job gets `--configfiles FILE` without --replace-workflow-config; it must
    run what its main process planned with FILE, not FILE merged into config.yaml."""
    shutil.copy(ROOT / "config.yaml", tmp_path)  # jobs run in the checkout, beside config.yaml
    plans = []
    for replace in (True, False):
        result = snakemake(tmp_path, "-n", "-p", configfile=ROOT / name, replace=replace)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        out = result.stdout + result.stderr
        plans.append((job_stats(out), sorted(re.findall(r"^Shell command: (.*)$", out, re.M))))
    assert plans[0] == plans[1]
    assert plans[0][0]["optimise"] >= 8 and len(plans[0][1]) >= 14


def slurm_profile_without_conda(directory: Path) -> Path:
    """profiles/slurm with its documented switch to the running environment (no conda here)."""
    text = (ROOT / "profiles/slurm/config.yaml").read_text()
    assert text.count("\nsoftware-deployment-method: conda\n") == 1
    directory.mkdir()
    (directory / "config.yaml").write_text(text.replace("\nsoftware-deployment-method: conda", ""))
    return directory


@pytest.mark.parametrize(
    ("name", "target", "tasks"),
    [
        ("config/tiny.yaml", "results/tiny/samples/dimers/T0.5.zarr", 2),
        ("config.yaml", "results/samples/dimers/T0.65.zarr", 20),
    ],
)
def test_slurm_profile_takes_dimer_ranks_from_the_configuration(tmp_path, name, target, tasks):
    profile = slurm_profile_without_conda(tmp_path / "profile")
    result = snakemake(
        tmp_path, "-n", "-p", "--profile", str(profile), target, configfile=ROOT / name
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    out = result.stdout + result.stderr
    assert f", tasks={tasks}, nodes=1, " in out  # sbatch --ntasks=<tasks> --nodes=1
    assert f"srun --mpi=pmi2 -n {tasks} rsmine simulate dimers" in out


def test_more_dimer_ranks_than_chains_are_refused_before_any_job(tmp_path):
    config = load("config/tiny.yaml")
    config["systems"]["dimers"]["simulate"]["tasks"] = 8  # 4 chains
    result = snakemake(tmp_path, "-n", configfile=write_config(tmp_path / "c.yaml", config))
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert "tasks 8 (MPI ranks: systems.dimers.simulate.tasks" in out and "4 chains" in out
    tiny = ROOT / "config/tiny.yaml"
    result = snakemake(
        tmp_path, "-n", "--set-resources", "simulate_dimers:tasks=6", configfile=tiny
    )
    assert result.returncode != 0
    assert "tasks 6 (MPI ranks" in result.stdout + result.stderr
    assert snakemake(tmp_path, "-n", configfile=tiny).returncode == 0  # tasks 2, 4 chains


# ------------------------------------------------------------------ the whole DAG, tiny


@pytest.mark.slow
@pytest.mark.mpi
def test_tiny_dag_runs_every_rule_and_draws_every_figure(tiny_run):
    results, _, result, _ = tiny_run
    stats = job_stats(result.stdout + result.stderr)
    assert stats["simulate_dimers"] == 2 and stats["optimise"] == 8 and stats["aggregate"] == 3
    for system in ("ising_ferro", "chipping", "dimers"):
        for figure in ("rsmi_vs_control", "filters"):
            assert (results / f"figures/{system}_{figure}.png").stat().st_size > 1000
        # one lb per system: no RSMI-against-buffer figure (it would be a column of dots)
        assert not (results / f"figures/{system}_rsmi_vs_buffer.png").exists()
        table = (results / f"tables/{system}_rsmi.csv").read_text().splitlines()
        assert len(table) == 1 + 2  # header, two points at one lb
        assert "rsmi_best_nats" in table[0]
        alignment = (results / f"tables/{system}_filter_alignment.csv").read_text().splitlines()
        assert len(alignment) == 1 + 2
        group = stores.open_store(results / f"ensembles/{system}.zarr", "ensemble")
        assert sorted(group["run_id"][...]) == [0, 0, 1, 1]
    assert (results / "figures/chipping_marginals.png").stat().st_size > 1000
    # H of the 2 x 2-vertex block every two vertices (--stride 4 = lv: the tiling here)
    correlation = (results / "tables/dimers_coarse_correlation.csv").read_text().splitlines()
    distances = {float(line.split(",")[1]) for line in correlation[1:]}
    assert distances == {0.0, 1.0}, correlation[:4]
    dimers = stores.read_samples(results / "samples/dimers/T0.5.zarr")
    assert dimers.lattice == "dimer_grid" and dimers.shape == (8, 8)


@pytest.mark.slow
@pytest.mark.mpi
def test_odd_results_path_leaves_the_users_files_alone(tiny_run):
    results, _, result, _ = tiny_run
    workdir = results.parent
    assert (workdir / "notes").read_bytes() == NOTES
    assert not list(workdir.rglob("pwned"))  # nothing ran the command substitutions
    assert list(results.glob("logs/simulate_dimers/dimers/*.log"))  # each shell rule's log
    assert list(results.glob("logs/coarse_grain/dimers/*.log"))  # landed in results
    # the plan's shell lines hand each path to the command as one word
    [argv, *_] = shell_commands(result.stdout + result.stderr, "coarse_grain")
    assert argv[argv.index("--out") + 1].startswith(str(results))


@pytest.mark.slow
def test_forcerun_aggregate_reruns_only_aggregate_and_what_depends_on_it(tiny_run):
    results, configfile, _, _ = tiny_run
    untouched = sorted(results.glob("runs/*/*/*/*/*.zarr")) + sorted(
        results.glob("samples/*/*.zarr")
    )
    untouched += [results / "ensembles/dimers.zarr", results / "tables/dimers_rsmi.csv"]
    before = {path: path.stat().st_mtime_ns for path in untouched}
    targets = [str(results / f"figures/chipping_{f}.png") for f in ("rsmi_vs_control", "filters")]
    result = snakemake(
        results.parent,
        *targets,
        "--profile",
        str(ROOT / "profiles/local"),
        "--forcerun",
        "aggregate",
        configfile=configfile,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    stats = job_stats(result.stdout + result.stderr)
    assert stats.pop("total") == 4
    assert stats == {
        "aggregate": 1,
        "summarise": 1,
        "figure_rsmi_vs_control": 1,
        "figure_filters": 1,
    }
    assert {path: path.stat().st_mtime_ns for path in untouched} == before
    merged = stores.open_store(results / "ensembles/chipping.zarr", "ensemble")
    assert merged.attrs["complete"] is True


@pytest.mark.slow
def test_report_builds_with_every_figure(tiny_run):
    results, configfile, _, _ = tiny_run
    report = results.parent / "report.html"
    result = snakemake(results.parent, "--report", str(report), configfile=configfile)
    assert result.returncode == 0, result.stderr[-3000:]
    html = report.read_text()
    for system in ("ising_ferro", "chipping", "dimers"):
        assert f"{system}_rsmi_vs_control.png" in html and f"{system}_filters.png" in html
    assert "chipping_marginals.png" in html


def test_components_list_runs_extra_counts_only_at_its_points():
    dimers = load("config.yaml")["systems"]["dimers"]
    points = science.points("dimers", dimers)
    assert science.main_components(dimers) == 2
    by_label = {p.label: science.components_at("dimers", dimers, p) for p in points}
    assert by_label["T0.2"] == by_label["Tinf"] == [2, 1, 3, 4]
    assert by_label["T0.65"] == [2]
    whole = dict(dimers, optimise=dict(dimers["optimise"], components_points=None))
    del whole["optimise"]["components_points"]
    assert {tuple(science.components_at("d", whole, p)) for p in points} == {(2, 1, 3, 4)}
    plain = dict(dimers, optimise=dict(dimers["optimise"], components=3))
    assert science.component_counts(plain) == [3]
    config = load("config.yaml")
    config["systems"]["dimers"]["optimise"]["components_points"] = [0.2, 0.33]
    assert schema_errors(config) == ""
    with pytest.raises(InputError, match=r"systems.dimers.optimise.components_points: \[0.33\]"):
        science.check(config)
    config["systems"]["dimers"]["optimise"]["components"] = [2, 2]
    assert "components" in schema_errors(config)
