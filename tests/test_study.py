"""The study configuration (rsmine.study): defaults resolved once, cross-key checks at plan time."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rsmine import study
from rsmine.errors import InputError
from rsmine.estimator.lattices import DIMER_GRID
from rsmine.systems import training_defaults

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def tiny() -> dict:
    return yaml.safe_load((ROOT / "config" / "tiny.yaml").read_text())


def planned_commands(tmp_path: Path, config: dict) -> list[str]:
    """The shell commands of a real ``snakemake -n -p`` of ``config``."""
    configfile = tmp_path / "config.yaml"
    configfile.write_text(yaml.safe_dump(config))
    cmd = [str(BIN / "snakemake"), "--snakefile", str(ROOT / "workflow" / "Snakefile")]
    cmd += ["--directory", str(tmp_path), "--configfile", str(configfile)]
    cmd += ["--replace-workflow-config", "-n", "-p", "--cores", "1"]
    environ = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(cmd, capture_output=True, text=True, env=environ, cwd=tmp_path)
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
    from rsmine.analysis.u1 import MIN_OVERLAP

    system = tiny()["systems"]["dimers"]
    settings = study.filter_ensemble_settings(system)
    assert settings["lb"] == system["optimise"]["lb"][0]
    assert settings["min_overlap"] == MIN_OVERLAP
    assert settings["components"] == 2
