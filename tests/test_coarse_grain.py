"""``rsmine coarse-grain``: hand-made filters give the predicted H; the output store is a
sample store that ``rsmine optimise`` reads again; two-point correlations of H."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from rsmine import coarse_grain, stores
from rsmine.aggregate import RunsPart, aggregate
from rsmine.analysis.coarse.correlation import two_point
from rsmine.cli import main
from rsmine.coarse_grain import LearnedFilter, coarse_variables, read_filter, tiles
from rsmine.errors import InputError


def _learned(filters: np.ndarray, centre: np.ndarray, lattice: str = "square") -> LearnedFilter:
    return LearnedFilter(
        path=None,
        filters=filters.astype(np.float32),
        centre=centre.astype(np.float32),
        scale=np.ones_like(centre, dtype=np.float32),
        lattice=lattice,
        run_id=0,
        index=0,
        embedding="binary",
        states=2,
        params={},
    )


def test_tiles_follow_the_partition_order():
    configs = np.arange(2 * 4 * 6).reshape(2, 4, 6)
    blocks = tiles(configs, 2)
    assert blocks.shape == (2, 2, 3, 4)
    assert blocks[1, 1, 2].tolist() == configs[1, 2:4, 4:6].ravel().tolist()


def test_overlapping_blocks_wrap_around_and_contain_the_tiling():
    configs = np.random.default_rng(0).integers(-1, 2, (3, 8, 12))
    blocks = tiles(configs, 4, stride=2)  # a block every 2 sites: 4 x 6 of them
    assert blocks.shape == (3, 4, 6, 16)
    wrapped = np.roll(configs, (-6, -10), axis=(1, 2))[:, :4, :4]  # block (3, 5) wraps
    assert blocks[:, 3, 5].tolist() == wrapped.reshape(3, 16).tolist()
    assert (blocks[:, ::2, ::2] == tiles(configs, 4)).all()  # every other: the tiling
    chain = np.arange(10).reshape(1, 10)
    assert tiles(chain, 5, stride=1)[0, 8].tolist() == [8, 9, 0, 1, 2]
    with pytest.raises(InputError, match="stride 3 does not divide"):
        tiles(configs, 4, stride=3)


def test_hand_made_filters_give_the_predicted_h():
    rng = np.random.default_rng(3)
    spins = rng.choice(np.array([-1, 1], np.int8), size=(5, 8, 8))
    lv = 4
    sum_filter = np.full((lv, lv), 50.0)  # h1 = sign of the block magnetisation (ties: +1)
    stagger = 50.0 * (1 - 2 * (np.add.outer(np.arange(lv), np.arange(lv)) % 2))
    learned = _learned(np.stack([sum_filter, stagger]), np.zeros((lv, lv)))
    blocks = tiles(spins, lv)
    exact = coarse_variables(blocks, learned, None)
    b = spins.reshape(5, 2, lv, 2, lv).transpose(0, 1, 3, 2, 4)
    m = b.sum(axis=(-2, -1))
    s = (b * (stagger > 0) - b * (stagger < 0)).sum(axis=(-2, -1))
    assert (exact[..., 0] == np.where(m >= 0, 1, -1)).all()
    assert (exact[..., 1] == np.where(s >= 0, 1, -1)).all()
    # logistic noise flips H only where |x| is small: away from ties it changes nothing
    noisy = coarse_variables(blocks, learned, torch.Generator().manual_seed(1))
    sure = (m != 0) & (s != 0)
    assert (noisy[sure] == exact[sure]).all()


def test_centre_is_subtracted_as_in_training():
    """On non-negative dimer occupations a one-sign filter only works about the centre."""
    grid = np.zeros((1, 8, 8), np.int8)
    grid[0, 0::2, 1::4] = 1  # columnar: horizontal dimers on even columns
    lv = 4
    mask = (np.add.outer(np.arange(lv), np.arange(lv)) % 2 == 1).astype(np.float32)
    horizontal = np.zeros((lv, lv))
    horizontal[0::2, 1::2] = 100.0  # C-like: counts horizontal dimers
    centre = 0.5 * mask  # half occupied on average: h = sign(n_h - 2 per block)
    learned = _learned(horizontal[None], centre, "dimer_grid")
    h = coarse_variables(tiles(grid, lv), learned, None)
    assert (h == 1).all()
    h_rot = coarse_variables(tiles(np.swapaxes(grid, 1, 2), lv), learned, None)
    assert (h_rot == -1).all()


def test_scale_divides_per_site_as_in_training():
    """H = sign(Λ·(v − μ)/σ) with a per-site σ: the same H as the training path's
    standardisation and hard rule (:func:`rsmine.estimator.train.evaluation.hard_h`)."""
    from rsmine.estimator.train import Setup, TrainConfig
    from rsmine.estimator.train.evaluation import hard_h
    from rsmine.estimator.train.standardise import Standardisation

    rng = np.random.default_rng(7)
    configs = rng.exponential(size=(50, 8, 8)) * rng.choice([0.3, 5.0], size=(1, 8, 8))
    blocks = tiles(configs, 4).reshape(-1, 16)
    inputs = Standardisation.fit(
        blocks[:, None],
        blocks[:, None, :1],
        np.arange(len(blocks)),
        centre=True,
        scale_v=True,
        standardise=True,
        device=torch.device("cpu"),
    )
    filters = rng.normal(size=(1, 4, 4)).astype(np.float32)
    centre = inputs.v_centre.numpy().reshape(4, 4)
    learned = dataclasses.replace(
        _learned(filters, centre), scale=inputs.v_scale.numpy().reshape(4, 4)
    )
    written = coarse_variables(tiles(configs, 4), learned, None).reshape(-1)
    v, _ = inputs.apply(torch.as_tensor(blocks, dtype=torch.float32), torch.zeros(len(blocks), 1))
    setup = Setup.create(TrainConfig(), 1, None)
    scored = hard_h(setup, {"filters": torch.as_tensor(filters.reshape(1, 1, 16))}, v)
    assert (written == scored.reshape(-1).numpy()).all()
    unscaled = coarse_variables(tiles(configs, 4), _learned(filters, centre), None).reshape(-1)
    assert (unscaled != written).mean() > 0.02  # σ matters (4.5 % of blocks): the test has power


def test_two_point_of_planted_fields():
    rng = np.random.default_rng(0)
    n, size = 400, 8
    ordered = np.ones((n, 1, size, size)) * rng.choice([-1.0, 1.0], size=(n, 1, 1, 1))
    noise = rng.choice([-1.0, 1.0], size=(n, 1, size, size))
    g_ordered = two_point(ordered)
    g_noise = two_point(noise)
    assert np.allclose(g_ordered["corr"], 1.0, atol=0.02)
    far = g_noise[g_noise["r"] > 0]
    assert (np.abs(far["corr"]) < 4 * far["err"] + 1e-12).all()
    assert abs(g_noise.loc[g_noise["r"] == 0, "corr"].item() - 1.0) < 0.02


@pytest.fixture(scope="module")
def trained(tmp_path_factory, one_thread):
    """A small Ising sample store and a runs store of two runs trained on it."""
    tmp = tmp_path_factory.mktemp("cg")
    samples, runs = tmp / "ising.zarr", tmp / "runs.zarr"
    assert (
        main(
            [
                "simulate",
                "ising",
                "--L",
                "16",
                "--T",
                "2.0",
                "--samples",
                "600",
                "--seed",
                "1",
                "--out",
                str(samples),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "optimise",
                "--samples",
                str(samples),
                "--out",
                str(runs),
                "--lv",
                "4",
                "--lb",
                "1",
                "--le",
                "2",
                "--runs",
                "2",
                "--seed",
                "2",
                "--epochs",
                "2",
                "--batch",
                "50",
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    return samples, runs


def _coarse_grain(runs, samples, out, *options: str) -> int:
    """``rsmine coarse-grain`` of ``samples`` with the filters of ``runs`` into ``out``."""
    argv = ["coarse-grain", "--filters", str(runs), "--samples", str(samples), "--out", str(out)]
    return main([*argv, *options])


def test_written_store_is_read_again_and_optimised(trained, tmp_path, monkeypatch):
    samples, runs = trained
    out = tmp_path / "cg.zarr"
    assert _coarse_grain(runs, samples, out, "--run", "best", "--noise", "none") == 0
    coarse = stores.read_samples(out)
    source = stores.read_samples(samples)
    assert coarse.lattice == "square" and coarse.shape == (4, 4)
    assert coarse.n_samples == source.n_samples
    assert set(np.unique(coarse.configs)) <= {-1, 1}
    assert coarse.attrs["params"]["model"] == "coarse_grained"
    # exactly the H the library computes from the stored filter and centre
    group = stores.open_store(runs, "runs")
    index = coarse.attrs["params"]["run_index"]
    rsmi_val = np.asarray(group["rsmi_val"][...])
    assert rsmi_val[index] == np.nanmax(rsmi_val)
    learned = _learned(np.asarray(group["filters"][index]), np.asarray(group["v_centre"][...]))
    learned = dataclasses.replace(learned, scale=np.asarray(group["v_scale"][...]))
    expected = coarse_variables(tiles(source.configs, 4), learned, None)[..., 0]
    assert (expected == coarse.configs).all()
    # coarse-graining chunk by chunk changes nothing
    monkeypatch.setattr(coarse_grain, "CHUNK", 7)
    chunked = coarse_grain.coarse_grain_store(
        runs, samples, tmp_path / "chunked.zarr", run=coarse.attrs["params"]["run"], noise="none"
    )
    assert (stores.read_samples(chunked).configs == coarse.configs).all()
    # the estimate's noisy H: seeded, so reproducible
    noisy = [tmp_path / f"noisy{k}.zarr" for k in (1, 2)]
    for path in noisy:
        assert (
            _coarse_grain(runs, samples, path, "--run", "0", "--seed", "5", "--noise", "logistic")
            == 0
        )
    a, b = (stores.read_samples(p).configs for p in noisy)
    assert (a == b).all()
    again = tmp_path / "runs_again.zarr"
    assert (
        main(
            [
                "optimise",
                "--samples",
                str(out),
                "--out",
                str(again),
                "--lv",
                "1",
                "--lb",
                "0",
                "--le",
                "1",
                "--runs",
                "1",
                "--seed",
                "3",
                "--epochs",
                "1",
                "--batch",
                "50",
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    assert np.isfinite(np.asarray(stores.open_store(again, "runs")["rsmi"][...])).all()


def test_bad_input_is_refused_before_any_work(trained, tmp_path, capsys):
    samples, runs = trained
    args = ["coarse-grain", "--filters", str(runs), "--samples", str(samples)]
    assert main([*args, "--out", str(samples)]) == 2
    assert f"is the input {samples}; refusing" in capsys.readouterr().err
    assert main([*args, "--out", str(tmp_path / "x.zarr"), "--run", "7"]) == 2
    assert "--run 7: not in" in capsys.readouterr().err
    user = tmp_path / "mine"
    user.mkdir()
    (user / "notes.txt").write_text("keep")
    assert main([*args, "--out", str(user)]) == 2
    assert "refusing to replace" in capsys.readouterr().err
    assert (user / "notes.txt").read_text() == "keep"
    wrong = tmp_path / "chip.zarr"
    assert (
        main(
            [
                "simulate",
                "chipping",
                "--L",
                "16",
                "--w",
                "1",
                "--samples",
                "20",
                "--seed",
                "1",
                "--out",
                str(wrong),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "coarse-grain",
                "--filters",
                str(runs),
                "--samples",
                str(wrong),
                "--out",
                str(tmp_path / "y.zarr"),
            ]
        )
        == 2
    )
    assert "lattice" in capsys.readouterr().err
    assert main([*args, "--out", str(tmp_path / "z.zarr"), "--stride", "5"]) == 2
    assert "--stride 5: expected a multiple of 1" in capsys.readouterr().err  # lv 4
    assert not (tmp_path / "z.zarr").exists()


def test_filters_from_an_ensemble_store(trained, tmp_path):
    _, runs = trained
    one = tmp_path / "one.zarr"
    aggregate([RunsPart(runs, "T2", 2.0, 1)], one, {("T2", 1): 2})
    from_runs, from_ensemble = read_filter(runs, "best"), read_filter(one, "best")
    assert from_ensemble.run_id == from_runs.run_id
    assert np.array_equal(from_ensemble.filters, from_runs.filters)
    assert np.array_equal(from_ensemble.centre, from_runs.centre)
    two = tmp_path / "two.zarr"
    parts = [RunsPart(runs, "T2", 2.0, 1), RunsPart(runs, "T3", 3.0, 1)]
    aggregate(parts, two, {("T2", 1): 2, ("T3", 1): 2})
    with pytest.raises(InputError, match="run ids repeat"):
        read_filter(two, 0)
