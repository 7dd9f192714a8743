"""rsmine.plan: the lookups of the workflow's common.smk, read back through rsmine's own parser."""

from __future__ import annotations

import json
import math
from pathlib import Path

import yaml

from rsmine.cli import build_parser
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
