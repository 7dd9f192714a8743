"""rsmine.plan: the lookups of the workflow's common.smk, read back through rsmine's own parser."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from rsmine.cli import build_parser
from rsmine.errors import InputError
from rsmine.plan import Plan

ROOT = Path(__file__).resolve().parents[1]


def _plan(name: str) -> Plan:
    return Plan(yaml.safe_load((ROOT / name).read_text()))


def test_aggregate_words_name_every_runs_store_with_its_point_and_control():
    plan = _plan("config.yaml")
    for system in plan.systems:
        words = ["aggregate", "--out", "e.zarr", "--runs", "1", *plan.aggregate_parts(system)]
        parsed = build_parser().parse_args(words)
        expected = [(p["point"], p["control"], p["path"]) for p in plan.runs_parts(system)]
        assert [(pt, float(c), path) for pt, c, path in parsed.part] == expected
        assert len({path for *_, path in parsed.part}) == len(expected)  # each store once
    dimers = [
        float(c)
        for _, c, _ in build_parser()
        .parse_args(["aggregate", "--out", "e", "--runs", "1", *plan.aggregate_parts("dimers")])
        .part
    ]
    assert math.inf in dimers  # T = inf written so it reads back
    options = plan.aggregate_options("dimers")
    assert json.loads(options["params"]) == plan.systems["dimers"]
    assert options["runs"] == plan.systems["dimers"]["optimise"]["runs"]


def test_simulate_and_optimise_options_parse_to_the_configured_values():
    plan = _plan("config/tiny.yaml")
    label = plan.points["dimers"][1].label  # T = inf
    argv = plan.simulate_options("dimers", label).split()
    parsed = build_parser().parse_args(["simulate", "dimers", *argv, "--out", "s"])
    assert math.isinf(parsed.T) and parsed.n == 4 and parsed.sweeps == 50
    argv = plan.optimise_options("dimers", label, 0, 2, 0).split()
    parsed = build_parser().parse_args(["optimise", "--samples", "s", "--out", "o", *argv])
    assert (parsed.lv, parsed.lb, parsed.le, parsed.components) == (4, 0, 2, 2)
    assert parsed.device == "auto" and parsed.epochs == 2 and argv.count("--device") == 1


def test_finite_size_extrapolation_reads_one_transition_table_per_size():
    plan = _plan("config/demo.yaml")
    settings = plan.extrapolation_settings("ising_ferro")
    assert settings["sizes"] == [16, 32] and settings["nu"] == 1.0 and settings["lb"] == 1
    assert [Path(p).name for p in plan.extrapolation_tables("ising_ferro")] == [
        "ising_ferro_16_transition.csv",
        "ising_ferro_transition.csv",
    ]
    assert any(t.endswith("figures/finite_size/ising_ferro.png") for t in plan.targets())


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"systems": ["ising_ferro", "dimers"], "lb": 2}, "expected one model"),
        ({"systems": ["ising_ferro_16", "ising_ferro"], "lb": 3}, "lb 3 among its optimise.lb"),
        ({"systems": ["ising_ferro", "nowhere"], "lb": 1}, r"\['nowhere'\] are not simulated"),
        ({"systems": ["dimers", "dimers"], "lb": 2}, "must be distinct"),
    ],
)
def test_finite_size_entries_are_checked_at_plan_time(entry, message):
    config = yaml.safe_load((ROOT / "config/demo.yaml").read_text())
    config["finite_size"] = {"bad": entry}
    with pytest.raises(InputError, match=r"finite_size\.bad.*" + message):
        Plan(config)


def test_a_model_without_an_exponent_needs_nu_or_four_sizes():
    config = yaml.safe_load((ROOT / "config/demo.yaml").read_text())
    dimers = config["systems"]["dimers"]
    config["systems"]["dimers_8"] = dimers | {"simulate": dimers["simulate"] | {"n": 12}}
    config["systems"]["dimers_8"]["optimise"] = dimers["optimise"] | {"lb": [2], "le": 2}
    config["finite_size"] = {"bkt": {"systems": ["dimers_8", "dimers"], "lb": 2}}
    with pytest.raises(InputError, match=r"finite_size\.bkt\.nu: the dimers model has no known"):
        Plan(config)
    config["finite_size"]["bkt"]["nu"] = 1.5
    assert Plan(config).extrapolation_settings("bkt")["nu"] == 1.5


def test_chipping_figure_reads_the_first_systems_samples_and_every_ensemble():
    config = yaml.safe_load((ROOT / "config/demo.yaml").read_text())
    chip = config["systems"]["chipping"]
    sources = [{"value": w, "store": f"/data/w{w}.zarr"} for w in chip["points"]]
    continuous = chip["optimise"] | {"train": {"embedding": "continuous"}}
    config["systems"]["chip_c"] = {"model": "chipping", "source": sources, "optimise": continuous}
    config["chipping_figures"] = {"f": {"systems": ["chipping", "chip_c"], "le_thin": 4}}
    plan = Plan(config)
    settings = plan.chipping_baseline_settings("f")
    assert settings == {"w": chip["points"], "lv": 8, "lb": 8, "le": 20, "le_thin": 4, "origins": 4}
    samples = plan.chipping_baseline_samples("f")
    assert samples == [plan.samples("chipping", p.label) for p in plan.points["chipping"]]
    learned = plan.chipping_learned("f")
    assert [Path(p).name for p in learned["ensembles"]] == ["chipping.zarr", "chip_c.zarr"]
    assert learned["with_transition"] == ["chipping", "chip_c"]  # six points each
    assert any(t.endswith("figures/chipping/f.png") for t in plan.targets())
    assert any(t.endswith("tables/chipping/f_baselines.csv") for t in plan.targets())


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"systems": ["chipping", "ising_ferro"]}, r"\['ising_ferro'\] are not chipping"),
        ({"systems": ["chipping"], "le_thin": 20}, "le_thin: 20 must be below chipping's le 20"),
    ],
)
def test_chipping_figure_entries_are_checked_at_plan_time(entry, message):
    config = yaml.safe_load((ROOT / "config/demo.yaml").read_text())
    config["chipping_figures"] = {"bad": entry}
    with pytest.raises(InputError, match=r"chipping_figures\.bad.*" + message):
        Plan(config)


@pytest.mark.parametrize("switch", [None, True, False])
def test_references_are_scored_by_chunk_0_only(switch):
    """The workflow scores the references once per point, lb and count: ``--references true``
    in chunk 0's optimise command, in no other chunk; a train block's ``references: false``
    switches them off everywhere (``true`` is still chunk 0 only)."""
    config = yaml.safe_load((ROOT / "config/tiny.yaml").read_text())
    if switch is not None:
        for spec in config["systems"].values():
            spec["optimise"].setdefault("train", {})["references"] = switch
    plan = Plan(config)
    chunks = {}
    for system in plan.systems:
        cells = {(p["point"], p["lb"], p["components"]) for p in plan.runs_parts(system)}
        for cell in cells:
            for chunk in range(len(plan.chunks(system))):
                argv = plan.optimise_options(system, *cell, chunk).split()
                words = ["optimise", "--samples", "s", "--out", "o", *argv]
                chunks[system, *cell, chunk] = build_parser().parse_args(words).references is True
    assert any(key[-1] > 0 for key in chunks)  # the tiny config has several chunks
    assert chunks == {key: switch is not False and key[-1] == 0 for key in chunks}
