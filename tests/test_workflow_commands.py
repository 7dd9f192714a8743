"""The workflow's shell commands as planned and run: the configured device, quoted paths,
and the results/source paths refused at plan time."""

from __future__ import annotations

import pytest
from snakemake_runner import load, shell_commands, snakemake, write_config

from rsmine import study
from rsmine.cli import build_parser
from rsmine.errors import InputError

NOTES = b"the user's notes\n"


@pytest.mark.parametrize(
    ("configured", "planned"), [("cpu", "cpu"), ("cuda", "cuda"), (None, "auto")]
)
def test_planned_optimise_command_trains_on_the_configured_device(tmp_path, configured, planned):
    config = load("config/tiny.yaml")
    train = config["systems"]["chipping"]["optimise"]["train"]
    if configured:
        train["device"] = configured
    target = "results/tiny/runs/chipping/w0.1/LB2/C1/c0.zarr"
    configfile = write_config(tmp_path / "device.yaml", config)
    result = snakemake(tmp_path, "-n", "-p", target, configfile=configfile)
    assert result.returncode == 0, result.stderr
    [argv] = shell_commands(result.stdout + result.stderr, "optimise")
    assert argv[:2] == ["rsmine", "optimise"]
    argv = argv[1 : argv.index("2>")]
    assert argv.count("--device") == 1
    assert build_parser().parse_args(argv).device == planned


@pytest.mark.parametrize(
    ("results", "named"),
    [
        ("out\nput", "control characters"),
        ("notes", "is an existing file"),
        ("notes/results", "lies inside"),
        ("results/{system}", "braces"),
    ],
)
def test_results_paths_a_workflow_cannot_use_are_refused_at_plan_time(tmp_path, results, named):
    (tmp_path / "notes").write_bytes(NOTES)
    config = dict(load("config/tiny.yaml"), results=results)
    result = snakemake(tmp_path, "-n", configfile=write_config(tmp_path / "bad.yaml", config))
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert "results: " in out and named in out
    assert (tmp_path / "notes").read_bytes() == NOTES
    assert {p.name for p in tmp_path.iterdir()} <= {".snakemake", "bad.yaml", "notes"}


def test_source_store_paths_are_checked_at_plan_time(tmp_path):
    (tmp_path / "data.npy").write_bytes(b"not a store")
    for store_path, named in (
        ("data.npy", "is an existing file"),
        ("data.npy/T1.zarr", "lies inside"),
    ):
        source = [{"value": 1.0, "store": str(tmp_path / store_path)}]
        system = {"source": source, "optimise": {"lv": 2, "lb": [1], "le": 1, "runs": 1, "seed": 1}}
        config = {"results": "out", "systems": {"mine": system}}
        with pytest.raises(InputError, match=rf"systems.mine.source\[0\].store: .*{named}"):
            study.check(config)
    # and snakemake says so before planning
    result = snakemake(tmp_path, "-n", configfile=write_config(tmp_path / "c.yaml", config))
    assert (
        result.returncode != 0 and "systems.mine.source[0].store" in result.stdout + result.stderr
    )
