"""The declared options (:func:`rsmine.estimator.train.options`) on the command line:
argparse keywords from an option's JSON schema, and flags from option values (a
workflow's ``train`` block)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping


def shown(value: object) -> str:
    """A value as typed on the command line."""
    if isinstance(value, tuple | list):
        return " ".join(map(str, value))
    return str(value).lower() if isinstance(value, bool) else str(value)


def option_flags(values: Mapping[str, object]) -> str:
    """``rsmine optimise`` flags of option ``values`` (name -> value, None left out), e.g. a
    workflow's ``train`` block: {"tau_max": 0.75, "hidden": [8]} -> "--tau-max 0.75 --hidden 8"."""
    return " ".join(
        f"--{name.replace('_', '-')} {shown(value)}"
        for name, value in values.items()
        if value is not None
    )


def boolean(text: str) -> bool:
    if text.lower() not in ("true", "false"):
        raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")
    return text.lower() == "true"


def _one_of(schemas: list[dict]):
    """Parser of a value matching any of ``schemas`` (integers or constant words)."""
    words = [s["const"] for s in schemas if "const" in s]

    def parse(text: str) -> object:
        if text in words:
            return text
        try:
            return int(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(
                f"expected an integer or {' or '.join(words)}, got {text!r}"
            ) from exc

    return parse


_TYPES = {"integer": int, "number": float, "string": str, "boolean": boolean}


def argparse_keywords(schema: dict) -> dict:
    """argparse keywords (type, choices, nargs, metavar) of an option's JSON schema."""
    if "anyOf" in schema:
        words = [s["const"] for s in schema["anyOf"] if "const" in s]
        return {"type": _one_of(schema["anyOf"]), "metavar": "{N," + ",".join(words) + "}"}
    if schema["type"] == "array":
        n = schema.get("minItems")
        nargs = n if n is not None and n == schema.get("maxItems") else "+"
        item = schema["items"]["type"]
        return {"type": _TYPES[item], "nargs": nargs, "metavar": "N" if item == "integer" else "X"}
    if "enum" in schema:
        return {"choices": schema["enum"]}
    if schema["type"] == "boolean":
        return {"type": boolean, "metavar": "{true,false}"}
    return {"type": _TYPES[schema["type"]]}
