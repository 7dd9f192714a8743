"""References beside every result: the runs stores' references carried into the ensemble
store, the summary's best reference (chosen on validation) and efficiency, ``rsmine info``,
and the dashed reference of the RSMI-vs-control figure."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from factories import write_runs

from rsmine import cli, stores
from rsmine.aggregate import RunsPart, aggregate
from rsmine.analysis.rsmi import summary
from rsmine.figures import rsmi, style

# chosen on validation: "block sign"; "decoy" has the higher test value (chosen on the test
# part it would give efficiency 0.7 / 0.9) but the lower validation value
BLOCK = {"name": "block sign", "rsmi": 0.5, "rsmi_se": 0.01, "rsmi_val": 0.4}
BLOCK |= {"plugin": 0.6, "plugin_se": 0.02}
DECOY = {"name": "decoy", "rsmi": 0.9, "rsmi_se": 0.01, "rsmi_val": 0.3}
DECOY |= {"plugin": 0.2, "plugin_se": 0.02}
RUNS = {("A", 2): 4, ("B", 2): 2}


@pytest.fixture
def ensemble(tmp_path):
    """Point A (T 0.5, lb 2) in two chunks, its references in chunk 0 only (as the workflow
    writes them); point B (T = ∞, lb 2) without references."""
    parts = [
        RunsPart(
            write_runs(tmp_path / "a0.zarr", 0, [0.5, 0.7], [False] * 2, references=[BLOCK, DECOY]),
            "A",
            0.5,
            2,
        ),
        RunsPart(write_runs(tmp_path / "a1.zarr", 2, [0.6, 0.3], [False] * 2), "A", 0.5, 2),
        RunsPart(write_runs(tmp_path / "b0.zarr", 0, [0.1, 0.2], [False] * 2), "B", math.inf, 2),
    ]
    return aggregate(parts, tmp_path / "ens.zarr", RUNS), parts


def test_aggregate_carries_each_parts_references_with_its_place(ensemble, tmp_path):
    out, parts = ensemble
    carried = stores.open_store(out, "ensemble").attrs["references"]
    place = {"point": "A", "control": 0.5, "lb": 2, "components": 1}
    assert carried == [place | BLOCK, place | DECOY]
    plain = aggregate(parts[2:], tmp_path / "plain.zarr", {("B", 2): 2})
    assert "references" not in stores.open_store(plain, "ensemble").attrs


def test_summary_gives_the_validation_best_reference_and_the_efficiency(ensemble, tmp_path):
    out, _ = ensemble
    table = summary.summarise(out)
    assert list(table.columns[-4:]) == list(summary.REFERENCE_COLUMNS)
    a = table[table["point"] == "A"].iloc[0]
    assert a["reference"] == "block sign"  # not the decoy, whose test value is higher
    assert (a["reference_rsmi"], a["reference_plugin"]) == pytest.approx((0.5, 0.6))
    assert a["efficiency"] == pytest.approx(0.7 / 0.6, rel=1e-6)  # best: run 1, 0.7
    b = table[table["point"] == "B"].iloc[0]
    assert pd.isna(b["reference"])
    assert np.isnan(b[["reference_rsmi", "reference_plugin", "efficiency"]].astype(float)).all()
    back = summary.read_summary_csv(summary.write_summary_csv(table, tmp_path / "t.csv"))
    assert "reference_rsmi_nats" in (tmp_path / "t.csv").read_text().splitlines()[0]
    assert back["efficiency"].iloc[0] == pytest.approx(a["efficiency"], rel=1e-3)
    assert summary.efficiency(0.3, -0.1, 0.0) != summary.efficiency(0.3, -0.1, 0.0)  # NaN


def test_info_shows_the_reference_and_the_efficiency(ensemble, capsys):
    out, _ = ensemble
    assert cli.main(["info", str(out)]) == 0
    text = capsys.readouterr().out
    (a,) = [line for line in text.splitlines() if line.split()[:1] == ["A"]]
    (b,) = [line for line in text.splitlines() if line.split()[:1] == ["B"]]
    assert "block sign" in a and a.split()[-1] == f"{0.7 / 0.6:.3g}"
    assert "efficiency" in text and b.split()[-1] == "-"


def _dashed(fig) -> list[np.ndarray]:
    ax = fig.axes[0]
    return [
        np.asarray(line.get_ydata(), float) for line in ax.lines if line.get_linestyle() == "--"
    ]


def _legend_texts(fig) -> list[str]:
    ax = fig.axes[0]
    return [t.get_text() for legend in [*ax.artists, ax.get_legend()] for t in legend.get_texts()]


def test_rsmi_vs_control_draws_the_reference_when_the_table_has_one(ensemble):
    out, _ = ensemble
    table = summary.summarise(out)
    fig = rsmi.rsmi_vs_control(table, "T", "test")
    (dashed,) = _dashed(fig)
    assert dashed == pytest.approx([0.5 * style.BITS])  # A's reference, B (∞) has none
    assert rsmi.REFERENCE_LABEL in _legend_texts(fig)
    for without in (table.drop(columns=list(summary.REFERENCE_COLUMNS)), table[1:]):
        fig = rsmi.rsmi_vs_control(without, "T", "test")
        assert _dashed(fig) == [] and rsmi.REFERENCE_LABEL not in _legend_texts(fig)
