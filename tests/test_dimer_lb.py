"""Odd buffer widths on the dimer bond grid are refused at plan time, naming the key."""

import pytest
import yaml

from rsmine import study
from rsmine.errors import InputError


def test_odd_dimer_lb_is_refused_naming_the_key():
    with open("config/demo.yaml") as handle:
        config = yaml.safe_load(handle)
    study.check(config)  # the shipped demo passes
    config["systems"]["dimers"]["optimise"]["lb"] = [2, 3]
    with pytest.raises(InputError, match=r"systems\.dimers\.optimise\.lb \[3\]: .* must be even"):
        study.check(config)
