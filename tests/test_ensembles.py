"""Merging runs stores into an ensemble store, its RSMI summary, and the RSMI figures."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from factories import write_runs
from matplotlib.legend import Legend

from rsmine import stores
from rsmine.aggregate import RunsPart, aggregate
from rsmine.analysis.rsmi import summary
from rsmine.errors import InputError
from rsmine.figures import rsmi, style


@pytest.fixture
def parts(tmp_path):
    """Point A at lb 2 in two chunks (one failed run), point B (T = inf) at lb 2 in one."""
    return [
        RunsPart(write_runs(tmp_path / "a0.zarr", 0, [0.5, 0.7], [False, False]), "A", 0.5, 2),
        RunsPart(
            write_runs(tmp_path / "a1.zarr", 2, [0.6, 9.0], [False, True], epochs=5), "A", 0.5, 2
        ),
        RunsPart(
            write_runs(tmp_path / "b0.zarr", 0, [0.1, 0.2, 0.3, 0.4], [False] * 4, seed=1),
            "B",
            math.inf,
            2,
        ),
    ]


def test_merge_writes_long_layout_and_summary_excludes_failed(tmp_path, parts):
    out = aggregate(parts, tmp_path / "ens.zarr", {("A", 2): 4, ("B", 2): 4})
    group = stores.open_store(out, "ensemble")
    assert group["filters"].shape == (8, 2, 2, 2)
    assert list(group["filters"].metadata.dimension_names) == ["run", "component", "v0", "v1"]
    assert group["history"].shape == (8, 5, 2)
    assert np.isnan(group["history"][0, 3:]).all() and not np.isnan(group["history"][2]).any()
    assert list(group["run_id"][...]) == [0, 1, 2, 3, 0, 1, 2, 3]
    assert list(group["point"][...]) == [0, 0, 0, 0, 1, 1, 1, 1]
    assert group.attrs["points"] == ["A", "B"] and group.attrs["lattice"] == "square"
    assert list(group["v_centre"].metadata.dimension_names) == ["run", "v0", "v1"]
    assert list(group["v_centre"][:, 0, 0]) == [0, 0, 0, 0, 1, 1, 1, 1]

    table = summary.summarise(out)
    a = table[table["point"] == "A"].iloc[0]
    assert (a["runs"], a["failed"]) == (3, 1)
    assert a["mean"] == pytest.approx(0.6, abs=1e-6)
    # best: the test RSMI of the validation-best run (here rsmi_val = rsmi)
    assert a["best"] == pytest.approx(0.7, abs=1e-6) and a["best_run"] == 1
    assert a["std"] == pytest.approx(0.1, abs=1e-6)
    b = table[table["point"] == "B"].iloc[0]
    assert math.isinf(b["control"]) and b["median"] == pytest.approx(0.25, abs=1e-6)


def test_merge_refuses_a_missing_chunk(tmp_path, parts):
    with pytest.raises(InputError, match=r"point 'A', lb 2.*missing \[2, 3\]"):
        aggregate(parts[::2], tmp_path / "ens.zarr", {("A", 2): 4, ("B", 2): 4})
    assert not (tmp_path / "ens.zarr").exists()


def test_merge_refuses_an_incomplete_runs_store(tmp_path, parts):
    group = stores.open_store(parts[1].path, complete=False)
    group.attrs["complete"] = False
    with pytest.raises(InputError, match="incomplete"):
        aggregate(parts, tmp_path / "ens.zarr", {("A", 2): 4, ("B", 2): 4})


def test_figures_draw_every_lb_and_point(tmp_path, parts):
    parts = [
        *parts,
        RunsPart(write_runs(tmp_path / "a4.zarr", 0, [0.05, 0.08], [False] * 2), "A", 0.5, 4),
        RunsPart(write_runs(tmp_path / "b4.zarr", 0, [0.01, 0.02], [False] * 2), "B", math.inf, 4),
    ]
    runs = {("A", 2): 4, ("B", 2): 4, ("A", 4): 2, ("B", 4): 2}
    table = summary.summarise(aggregate(parts, tmp_path / "ens.zarr", runs))
    bits = table.assign(best=table["best"] * style.BITS)
    # per figure and per lb (per point): a line through the best run of each of its cells in
    # bits, and a legend entry naming it
    by_lb = [(bits[bits.lb == lb].sort_values("control"), rf"L_B\$ ?= ?{lb}") for lb in (2, 4)]
    points = [("A", r"T ?= ?0\.5"), ("B", "T ?= ?∞")]
    by_point = [(bits[bits.point == p].sort_values("lb"), label) for p, label in points]
    expected = {"rsmi_vs_control": by_lb, "rsmi_vs_buffer": by_point}
    for name, function in rsmi.FIGURES.items():
        fig = function(table, "T", "test", path=tmp_path / f"{name}.png")
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
        ax = fig.axes[0]
        drawn = [np.asarray(line.get_ydata(), dtype=float) for line in ax.lines]
        legends = [a for a in [*ax.artists, ax.get_legend()] if isinstance(a, Legend)]
        texts = [t.get_text() for legend in legends for t in legend.get_texts()]
        for rows, label in expected[name]:
            series = rows["best"].to_numpy()
            # every cell's best run is drawn (a finite control and ∞ may be separate artists)
            ys = np.concatenate(drawn)
            assert all(np.isclose(ys, value).any() for value in series), label
            assert sum(bool(re.search(label + "$", t)) for t in texts) == 1, (label, texts)
    one_lb = summary.summarise(
        aggregate(
            [p for p in parts if p.lb == 2], tmp_path / "one.zarr", {("A", 2): 4, ("B", 2): 4}
        )
    )
    with pytest.raises(InputError, match="at least two lb"):
        rsmi.rsmi_vs_buffer(one_lb, "T", "test")


def test_summary_csv_names_units_keeps_4_digits_and_reads_back(tmp_path, parts):
    out = aggregate(parts, tmp_path / "ens.zarr", {("A", 2): 4, ("B", 2): 4})
    table = summary.summarise(out)
    path = summary.write_summary_csv(table, tmp_path / "t.csv")
    header, first = path.read_text().splitlines()[:2]
    assert "rsmi_mean_nats" in header and "rsmi_best_nats" in header and ",mean," not in header
    digits = [v.replace(".", "").replace("-", "").lstrip("0") for v in first.split(",")[5:]]
    assert all(len(d) <= 4 for d in digits)
    back = summary.read_summary_csv(path)
    assert list(back.columns) == list(table.columns)
    assert np.allclose(back["mean"], table["mean"], rtol=1e-3)


def test_info_summarises_an_ensemble_per_point_and_lb(tmp_path, parts, capsys):
    from rsmine import cli

    out = aggregate(parts, tmp_path / "ens.zarr", {("A", 2): 4, ("B", 2): 4})
    assert cli.main(["info", str(out)]) == 0
    text = capsys.readouterr().out
    rows = [line.split() for line in text.splitlines() if line.split()[:1] in (["A"], ["B"])]
    # point, control, lb, components, runs, failed
    expected = [["A", "0.5", "2", "1", "3", "1"], ["B", "inf", "2", "1", "4", "0"]]
    assert [row[:6] for row in rows] == expected
    assert "0.6 ± 0.058" in text  # mean ± s.e. of A: 0.1 / sqrt(3)
    assert max(len(line) for line in text.splitlines()) <= 200  # long records shortened


def test_components_sweep_pads_filters_and_summarises_per_count(tmp_path, parts):
    one = np.ones((4, 1, 2, 2))
    extra = [
        RunsPart(
            write_runs(tmp_path / "a_c1.zarr", 0, [0.3] * 4, [False] * 4, filters=one),
            "A",
            0.5,
            2,
            1,
        ),
    ]
    sweep = [RunsPart(p.path, p.point, p.control, p.lb, 2) for p in parts]
    out = aggregate(sweep + extra, tmp_path / "ens.zarr", {("A", 2): 4, ("B", 2): 4})
    group = stores.open_store(out, "ensemble")
    assert group["components"][...].tolist() == [2] * 8 + [1] * 4
    assert np.isnan(group["filters"][8:, 1]).all() and (group["filters"][8:, 0] == 1).all()
    main = summary.summarise(out, components=2)
    assert set(main["components"]) == {2} and len(main) == 2
    table = summary.components_sweep(out)
    assert table["point"].tolist() == ["A", "A"] and table["components"].tolist() == [1, 2]
    assert table["mean"].iloc[0] == pytest.approx(0.3, abs=1e-6)
    with pytest.raises(InputError, match="no runs trained with 3 components"):
        summary.summarise(out, components=3)


def test_merge_refuses_a_store_trained_with_other_components(tmp_path):
    path = write_runs(tmp_path / "a.zarr", 0, [0.1, 0.2], [False, False])
    group = stores.open_store(path, "runs", complete=False)
    group.attrs["params"] = {"coarse_grainer": {"components": 2}}
    with pytest.raises(InputError, match="trained with 2 components, expected 1"):
        aggregate([RunsPart(path, "A", 1.0, 2)], tmp_path / "e.zarr", {("A", 2): 2})


def test_aggregate_command_reads_lb_and_components_from_the_stores(tmp_path, capsys):
    """`rsmine aggregate --part POINT CONTROL STORE ...` writes what the library writes."""
    from rsmine.cli import main

    a0 = write_runs(tmp_path / "a0.zarr", 0, [0.5, 0.7], [False, False], lb=2)
    b0 = write_runs(tmp_path / "b0.zarr", 0, [0.1, 0.2], [False, True], seed=1, lb=2)
    argv = ["aggregate", "--out", str(tmp_path / "cli.zarr"), "--runs", "2"]
    argv += ["--part", "A", "0.5", str(a0), "--part", "B", "inf", str(b0)]
    assert main([*argv, "--params", '{"model": "ising"}']) == 0
    assert capsys.readouterr().err.startswith("rsmine aggregate: 4 runs from 2 stores -> ")
    parts = [RunsPart(a0, "A", 0.5, 2, 2), RunsPart(b0, "B", math.inf, 2, 2)]
    library = stores.open_store(aggregate(parts, tmp_path / "lib.zarr", 2))
    cli = stores.open_store(tmp_path / "cli.zarr", "ensemble")
    for name in ("filters", "rsmi", "failed", "point", "control", "lb", "components", "v_centre"):
        np.testing.assert_array_equal(cli[name][...], library[name][...], err_msg=name)
    assert cli.attrs["params"]["config"] == {"model": "ising"}
    assert list(cli["lb"][...]) == [2] * 4 and list(cli["components"][...]) == [2] * 4
    assert main([*argv[:3], "--runs", "3", *argv[5:]]) == 2  # run 2 missing: refused
    assert "missing [2]" in capsys.readouterr().err
    assert main([*argv, "--params", "[1]"]) == 2
    assert "--params: expected a JSON object" in capsys.readouterr().err


def test_one_rule_says_which_runs_count(tmp_path):
    """stores.ensemble.counted: failed runs never count; lb and components select; "main"
    takes the count most runs have, None every count."""
    from rsmine.stores.ensemble import counted, read_ensemble

    two = [
        write_runs(tmp_path / f"a{lb}.zarr", 0, [0.1, 0.2], [False, True], lb=lb) for lb in (2, 4)
    ]
    three = write_runs(
        tmp_path / "c.zarr", 0, [0.3, 0.4], [False, False], filters=np.ones((2, 3, 2, 2)), lb=2
    )
    parts = [RunsPart(p, "A", 0.5, components=None) for p in (*two, three)]
    ensemble = read_ensemble(aggregate(parts, tmp_path / "e.zarr", 2))
    assert list(ensemble["components"]) == [2, 2, 2, 2, 3, 3]
    keep, count = counted(ensemble)
    assert list(keep) == [True, False, True, False, True, True] and count is None
    keep, count = counted(ensemble, lb=2, components="main")  # at lb 2: one run of 2, two of 3
    assert list(keep) == [False, False, False, False, True, True] and count == 3
    keep, count = counted(ensemble, components="main")
    assert count in (2, 3) and keep.sum() == 2  # a tie of 2 and 2 finished runs
    keep, count = counted(ensemble, lb=4, components=2)
    assert list(keep) == [False, False, True, False, False, False] and count == 2
