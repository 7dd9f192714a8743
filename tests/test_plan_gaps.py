"""Plan-time gaps (issue 16 item 8): what the schema lets through, config.check refuses,
naming the key, before any job runs."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from rsmine import study as science
from rsmine.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


def _config() -> dict:
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def _schema_accepts(config: dict) -> bool:
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate

    try:
        validate(config, str(SCHEMA))
    except WorkflowError:
        return False
    return True


def _set_point(system: str, index: int, value: float):
    return lambda c: c["systems"][system]["points"].__setitem__(index, value)


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (_set_point("dimers", 0, 0.0), r"systems\.dimers\.points\[0\] = 0\.0: .*T >= 0\.1"),
        (_set_point("dimers", 1, 0.05), r"systems\.dimers\.points\[1\] = 0\.05"),
        (_set_point("dimers", 2, math.nan), r"systems\.dimers\.points\[2\] = nan: .*not NaN"),
        (_set_point("ising_ferro", 3, math.nan), r"systems\.ising_ferro\.points\[3\]"),
        (_set_point("chipping", 0, math.nan), r"systems\.chipping\.points\[0\]"),
        (
            lambda c: c["systems"]["dimers"]["filter_ensemble"].update(histograms=[0.2, 0.72]),
            r"systems\.dimers\.filter_ensemble\.histograms: \[0\.72\] are not among",
        ),
    ],
)
def test_gaps_the_schema_lets_through_are_refused_at_plan_time(edit, named):
    config = _config()
    edit(config)
    assert _schema_accepts(config)  # the gap: the schema alone passes it
    with pytest.raises(InputError, match=named):
        science.check(config)


def test_the_shipped_configuration_still_passes():
    config = _config()
    science.check(config)
    dimers = config["systems"]["dimers"]
    assert science.check_points("dimers", dimers)[-1].value == math.inf  # T = inf is allowed
