"""TrainConfig's constraints come from its declared Option schemas (one option source)."""

from __future__ import annotations

from dataclasses import fields

import pytest

from rsmine.errors import InputError
from rsmine.estimator.train import TrainConfig
from rsmine.estimator.train.config import check_option


def _violations(schema: dict) -> list:
    """Values that break ``schema`` one constraint at a time."""
    bad = []
    if "minimum" in schema:
        bad.append(schema["minimum"] - 1)
    if "exclusiveMinimum" in schema:
        bad.append(schema["exclusiveMinimum"])
    if "maximum" in schema:
        bad.append(schema["maximum"] + 1)
    if "enum" in schema:
        bad.append("not-a-choice")
    return bad


@pytest.mark.parametrize(
    "field",
    [f for f in fields(TrainConfig) if _violations(f.metadata["option"].schema)],
    ids=lambda f: f.name,
)
def test_every_declared_bound_is_enforced_naming_the_option(field):
    schema = field.metadata["option"].schema
    for value in _violations(schema):
        with pytest.raises(InputError, match=rf"^{field.name}\b"):
            TrainConfig(**{field.name: value})
    TrainConfig(**{field.name: field.default})  # the default itself passes


def test_checks_cover_arrays_types_and_the_cross_field_rules():
    with pytest.raises(InputError, match=r"hidden\[1\] must be >= 1, got 0"):
        TrainConfig(hidden=(8, 0))
    with pytest.raises(InputError, match="epochs must be of type integer"):
        TrainConfig(epochs=2.5)
    with pytest.raises(InputError, match="tau_min <= tau_max"):
        TrainConfig(tau_min=0.6, tau_max=0.5)
    with pytest.raises(InputError, match="origins 'many' matches none"):
        check_option("origins", "many", {"anyOf": [{"type": "integer"}, {"const": "auto"}]})
    check_option("origins", "auto", {"anyOf": [{"type": "integer"}, {"const": "auto"}]})
