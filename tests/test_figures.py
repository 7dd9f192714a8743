"""The figures convention: the library selects no backend, Figures come out, saved by suffix."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from rsmine.figures import style

ROOT = Path(__file__).resolve().parents[1]

IMPORT_ALL = """
import importlib, pkgutil, sys
import matplotlib
import rsmine.analysis, rsmine.experiments, rsmine.figures
for package in (rsmine.analysis, rsmine.experiments, rsmine.figures):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(module.name)
print(matplotlib.get_backend(), "matplotlib.pyplot" in sys.modules)
"""


def test_importing_the_analyses_and_figures_selects_no_backend():
    """A notebook's backend survives every import (a library module calling
    matplotlib.use("Agg"), or importing pyplot, would replace or fix it)."""
    env = {**os.environ, "MPLBACKEND": "svg", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.split() == ["svg", "False"], result.stdout + result.stderr


def test_save_takes_the_format_from_the_suffix_and_makes_the_folder(tmp_path):
    fig = Figure()
    fig.subplots().plot([0, 1], [1, 0])
    assert style.save(fig, None) is fig and not any(tmp_path.iterdir())
    style.save(fig, tmp_path / "a" / "f.svg")
    style.save(fig, tmp_path / "b" / "f.pdf")
    style.save(fig, tmp_path / "f.png")
    assert b"<svg" in (tmp_path / "a" / "f.svg").read_bytes()[:400]
    assert (tmp_path / "b" / "f.pdf").read_bytes()[:4] == b"%PDF"
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_infinite_control_value_sits_beyond_the_rest_labelled_infinity():
    fig = Figure()
    ax = fig.subplots()
    values = np.array([0.5, 1.0, 2.0, math.inf])
    x, axis = style.control_axis(ax, values, "T", log=False)
    assert np.array_equal(x[:3], values[:3]) and x[3] > 2.0 and axis.at_inf == x[3]
    ax.plot(x, x)
    style.control_ticks(ax, axis)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[-1] == "∞" and "∞" not in labels[:-1]
    assert style.control_text(math.inf) == "∞" and style.control_text(0.123456, ".4g") == "0.1235"
