"""The study configuration (rsmine.study): defaults resolved once, cross-key checks at plan time."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from snakemake_runner import ROOT, snakemake, write_config

from rsmine import study
from rsmine.errors import InputError
from rsmine.estimator.lattices import DIMER_GRID
from rsmine.systems import training_defaults


def tiny() -> dict:
    return yaml.safe_load((ROOT / "config" / "tiny.yaml").read_text())


def planned_commands(tmp_path: Path, config: dict) -> list[str]:
    """The shell commands of a real ``snakemake -n -p`` of ``config``."""
    configfile = write_config(tmp_path / "config.yaml", config)
    done = snakemake(tmp_path, "-n", "-p", "--cores", "1", configfile=configfile)
    assert done.returncode == 0, done.stderr[-2000:]
    return re.findall(r"^Shell command: (.*)$", done.stdout + done.stderr, re.MULTILINE)


def test_dimer_system_without_components_trains_what_rsmine_optimise_uses(tmp_path):
    """Omitted ``optimise.components``: the workflow plans the count ``rsmine optimise``
    takes on a dimer grid (2, paper Table II), not the schema's old default 1."""
    config = tiny()
    del config["systems"]["dimers"]["optimise"]["components"]
    expected = training_defaults(DIMER_GRID)["components"]
    assert study.main_components(config["systems"]["dimers"]) == expected == 2
    optimise = [c for c in planned_commands(tmp_path, config) if "rsmine optimise" in c]
    dimers = [c for c in optimise if "/samples/dimers/" in c]
    assert len(dimers) == 2
    assert all(f"--components {expected} " in c for c in dimers)
    assert all("/C2/" in c for c in dimers)
    ising = [c for c in optimise if "/samples/ising_ferro/" in c]  # the power check
    assert ising and all("--components 1 " in c for c in ising)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.update(model="ising"), r"systems.dimers.dimer_fields: only a dimers"),
        (
            lambda s: s["dimer_fields"].update(points=[0.7]),
            r"systems.dimers.dimer_fields.points: \[0.7\] are not among",
        ),
        (lambda s: s["dimer_fields"].update(lb=3), r"systems.dimers.dimer_fields.lb: 3"),
    ],
)
def test_dimer_field_checks_fail_at_plan_time(edit, message):
    config = tiny()
    system = config["systems"]["dimers"]
    system.pop("filter_ensemble")
    edit(system)
    with pytest.raises(InputError, match=message):
        study.check(config)


def test_filter_ensemble_defaults_are_resolved_once():
    from rsmine.analysis.dimers.u1 import MIN_OVERLAP

    system = tiny()["systems"]["dimers"]
    settings = study.filter_ensemble_settings(system)
    assert settings["lb"] == system["optimise"]["lb"][0]
    assert settings["min_overlap"] == MIN_OVERLAP
    assert settings["components"] == 2


@pytest.mark.parametrize(
    ("train", "overrides", "message"),
    [
        ({"epochs": 0}, [], r"systems.chipping.optimise.train.epochs must be >= 1, got 0"),
        ({"bound": "jsd"}, [], r"optimise.train.bound 'jsd' is not one of infonce"),
        ({"colour": 1}, [], r"optimise.train: unknown option\(s\) \['colour'\]"),
        ({}, [{"range": [0, 0.5], "lr": -1}], r"optimise.overrides\[0\].lr must be > 0"),
        ({"tau_min": 0.6}, [], r"at point w0.1: annealing needs tau_min <= tau_max"),
        ({"split": [0.5, 0.5, 0.5]}, [], r"split must be three positive fractions"),
    ],
)
def test_training_options_are_checked_at_plan_time_against_the_declaration(
    train, overrides, message
):
    """The schema's train block copies nothing; rsmine.study checks it, override by override
    and point by point, against TrainConfig's declarations."""
    config = tiny()
    config["systems"]["chipping"]["optimise"]["train"] = train
    config["systems"]["chipping"]["optimise"]["overrides"] = overrides
    with pytest.raises(InputError, match=message):
        study.check(config)
    config["systems"]["chipping"]["optimise"]["train"] = {"epochs": 2, "tau_min": 0.2}
    config["systems"]["chipping"]["optimise"]["overrides"] = []
    study.check(config)  # valid options pass


def test_resolve_fills_every_default_once():
    config = tiny()
    del config["systems"]["dimers"]["optimise"]["components"]
    resolved = {name: study.resolve(s) for name, s in config["systems"].items()}
    assert resolved["dimers"]["optimise"]["components"] == 2
    assert resolved["ising_ferro"]["optimise"]["components"] == 1
    assert resolved["dimers"]["filter_ensemble"]["lb"] == 0
    assert resolved["dimers"]["filter_ensemble"]["min_overlap"] == 0.5
    assert "components" not in config["systems"]["dimers"]["optimise"]  # the input untouched
