"""Drawing filters (rsmine.figures.filters), the filter gallery and `rsmine show-filters`."""

from __future__ import annotations

import numpy as np
import pytest
from factories import write_runs
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from rsmine import cli
from rsmine.aggregate import RunsPart, aggregate
from rsmine.analysis.filters import gallery
from rsmine.errors import InputError
from rsmine.figures import filters


def test_bond_segments_join_the_vertices_of_each_bond():
    positions, segments = filters.bond_segments((8, 8))
    assert len(positions) == 32  # 4 x 4 vertices, a right and a down bond each
    by_position = {tuple(p): s for p, s in zip(positions.tolist(), segments.tolist(), strict=True)}
    assert by_position[(0, 1)] == [[0.0, 0.0], [2.0, 0.0]]  # horizontal (0,0)-(0,1): x 0 -> 2
    assert by_position[(1, 0)] == [[0.0, 0.0], [0.0, 2.0]]  # vertical (0,0)-(1,0): y 0 -> 2
    assert by_position[(6, 7)] == [[6.0, 6.0], [8.0, 6.0]]  # right bond of the last vertex


def test_dimer_filter_is_drawn_as_bonds_coloured_by_weight():
    weights = np.zeros((8, 8))
    weights[0, 1] = 1.0  # one horizontal bond, positive
    weights[1, 0] = -1.0  # one vertical bond, negative
    weights[0, 0] = 50.0  # a vertex position: never drawn, never sets the scale
    fig = Figure()
    ax = fig.add_subplot()
    mappable = filters.draw_filter(ax, weights, "dimer_grid", scale=1.0)
    (lines,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    colours = {
        tuple(np.round(s[0], 3)) + tuple(np.round(s[1], 3)): c
        for s, c in zip(lines.get_segments(), lines.get_colors(), strict=True)
    }
    assert len(colours) == 32
    red, blue = colours[(0.3, 0.0, 1.7, 0.0)], colours[(0.0, 0.3, 0.0, 1.7)]  # gaps at vertices
    assert red[0] > 0.3 and red[2] < 0.2 and blue[2] > 0.3 and blue[0] < 0.2
    assert np.allclose(colours[(2.3, 0.0, 3.7, 0.0)], to_rgba(mappable.cmap(0.5)), atol=0.01)


def test_chain_is_drawn_as_bars_and_square_as_an_image():
    fig = Figure()
    bars, image = fig.add_subplot(121), fig.add_subplot(122)
    filters.draw_filter(bars, np.linspace(-1, 1, 8), "chain")
    filters.draw_filter(image, np.arange(16.0).reshape(4, 4) - 8, "square")
    assert len(bars.patches) == 8
    (picture,) = image.get_images()
    assert picture.get_array().shape == (4, 4) and picture.norm.vmin == -picture.norm.vmax
    with pytest.raises(InputError, match="dimer_grid"):
        filters.draw_filter(bars, np.zeros(8), "dimer_grid")


def _dimer_runs(path, filters: np.ndarray, rsmi: np.ndarray, lb: int):
    """A runs store of dimer-grid filters at ``lb``, every run finished."""
    failed = np.zeros(len(rsmi), bool)
    return write_runs(path, 0, rsmi, failed, 2, 1, filters, lb=lb, lattice="dimer_grid")


@pytest.fixture
def ensemble(tmp_path):
    """Two temperatures at lb 2 and 4: runs are sign-flipped copies of one filter pair."""
    rng = np.random.default_rng(0)
    known = rng.normal(size=(2, 8, 8))
    parts = []
    for point, control in (("T0.5", 0.5), ("Tinf", np.inf)):
        for lb in (2, 4):
            flips = rng.choice([-1.0, 1.0], size=(5, 2, 1, 1))
            path = _dimer_runs(
                tmp_path / f"{point}_{lb}.zarr", flips * known, rng.uniform(0.1, 1, 5), lb
            )
            parts.append(RunsPart(path, point, control, lb, components=None))  # from the store
    runs = {(p.point, p.lb): 5 for p in parts}
    return aggregate(parts, tmp_path / "ens.zarr", runs)


def test_gallery_draws_every_point_with_best_runs_and_aligned_mean(ensemble, tmp_path):
    path = ensemble
    lattice, lb, cells = gallery.read_filter_cells(path, control="T")
    assert lattice == "dimer_grid" and lb == 4  # the largest lb by default
    assert [c.label for c in cells] == ["T = 0.5", "T = ∞"]
    rows = gallery.gallery_rows(cells, samples=2)
    fig = filters.filter_gallery(lattice, rows, "dimers", path=tmp_path / "g.png")
    record = gallery.gallery_table(rows)
    assert list(record["runs"]) == [5, 5] and all(len(r) == 2 for r in record["drawn"])
    assert (record["overlap"] > 0.999).all()  # exact copies up to sign
    assert (tmp_path / "g.png").stat().st_size > 10_000
    assert len(fig.axes) == 2 * (2 + 1) * 2 + 1  # rows x (samples + mean) x components + bar


def test_a_components_sweep_shows_the_main_count_only(tmp_path):
    """Three-component runs at one point (a sweep) stay out of the gallery's cells."""
    rng = np.random.default_rng(1)
    parts = []
    for point, control, rows in (("T0.3", 0.3, 2), ("T0.3", 0.3, 3), ("Tinf", np.inf, 2)):
        path = _dimer_runs(
            tmp_path / f"{point}_{rows}.zarr", rng.normal(size=(4, rows, 8, 8)), np.ones(4), 2
        )
        parts.append(RunsPart(path, point, control, 2, components=rows))
    runs = {("T0.3", 2): 4, ("Tinf", 2): 4}  # per (point, lb, components) cell
    _, _, cells = gallery.read_filter_cells(aggregate(parts, tmp_path / "e.zarr", runs))
    assert [c.filters.shape for c in cells] == [(4, 2, 8, 8), (4, 2, 8, 8)]
    assert all(np.isfinite(c.filters).all() for c in cells)


def test_show_filters_command_writes_a_png_and_refuses_a_missing_lb(ensemble, tmp_path, capsys):
    path = ensemble
    out = tmp_path / "show.png"
    assert cli.main(["show-filters", str(path), "-o", str(out), "--lb", "2"]) == 0
    assert out.stat().st_size > 10_000
    assert cli.main(["show-filters", str(path), "-o", str(tmp_path / "x.png"), "--lb", "3"]) == 2
    assert "no runs at lb 3" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()
