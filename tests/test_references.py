"""Reference coarse variables: the plug-in MI against exact discrete MI, the block-sign
reference on a planted bit whose MI is known exactly, and learned filters against it."""

import math
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import binom

from rsmine.aggregate import RunsPart, aggregate
from rsmine.analysis.rsmi.summary import summarise
from rsmine.estimator.plugin import labels, linear_reference, plugin_estimate
from rsmine.estimator.regions import Partition, Windows
from rsmine.estimator.train import TrainConfig, train_batch
from rsmine.estimator.train.parts import part_rows
from rsmine.references import reference_filters, score_references

pytestmark = pytest.mark.usefixtures("one_thread")
P_FLIP = 0.2  # each site of the planted lattice is -s with this probability
LV = 3  # an odd block: its sign never ties


def exact_mi(joint: np.ndarray) -> float:
    """I(A:B) in nats of a joint probability table (a, b)."""
    pa, pb = joint.sum(1, keepdims=True), joint.sum(0, keepdims=True)
    nz = joint > 0
    return float((joint[nz] * np.log(joint[nz] / (pa * pb)[nz])).sum())


def test_plugin_matches_exact_discrete_mi():
    """Miller-Madow plug-in on 20 000 draws of a 3 x 4 joint table: within 4 bootstrap SE of
    the exact MI, and the SE small enough that the independent product of the same marginals
    (MI 0) is far outside that window."""
    rng = np.random.default_rng(3)
    joint = rng.dirichlet(np.ones(12) * 0.7).reshape(3, 4)
    cells = rng.choice(12, size=20_000, p=joint.ravel())
    a, b = cells // 4, cells % 4
    est = plugin_estimate(a, b, np.random.default_rng(4))
    truth = exact_mi(joint)
    assert abs(est.mi - truth) < 4 * est.se
    assert est.se < 0.01 and truth > 20 * est.se
    shuffled = plugin_estimate(a, rng.permutation(b), np.random.default_rng(5))
    assert abs(shuffled.mi) < 4 * shuffled.se < 0.04


def planted(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """32x32 lattices s·η, s = ±1 global, η_i = -1 with P_FLIP: v (n, 1, 9), e (n, 1, n_env)."""
    rng = np.random.default_rng(seed)
    s = rng.choice(np.array([-1, 1], np.int8), size=(n, 1, 1))
    eta = np.where(rng.random((n, 32, 32)) < P_FLIP, -1, 1).astype(np.int8)
    return Partition("square", (32, 32), lv=LV, lb=2, le=4).split(s * eta)


def planted_mi() -> float:
    """I(block sign : s) of the planted lattice: ln 2 - h(q), q = P(most of V's 9 sites flip);
    E (hundreds of sites) fixes s, so this is also the block sign's I(H:E)."""
    q = binom.sf(LV * LV // 2, LV * LV, P_FLIP)
    return math.log(2) + q * math.log(q) + (1 - q) * math.log(1 - q)


def test_block_sign_reference_on_a_planted_bit():
    """The Ising block-sign reference: its model-free score and its held-out bound with Λ
    fixed each within 4 of their SE of the exact ln 2 - h(q); the staggered sign of an
    antiferromagnet (J < 0) carries nothing here (power)."""
    v, e = planted(3000, seed=7)
    truth = planted_mi()
    config = TrainConfig(epochs=8, patience=3, warmup=2, batch=100)
    filters = reference_filters("ising", "square", (LV, LV))
    filters |= reference_filters("ising", "square", (LV, LV), J=-1.0)
    block, staggered = score_references(Windows.of_arrays(v, e), filters, seed=8, config=config)
    assert block.name == "block sign" and staggered.name == "staggered sign"
    assert abs(block.plugin - truth) < 4 * block.plugin_se
    assert abs(block.rsmi - truth) < 4 * block.rsmi_se
    assert block.rsmi_se < 0.03
    assert staggered.plugin < truth - 20 * block.plugin_se
    assert staggered.rsmi < truth - 20 * block.plugin_se


def test_learned_filter_reaches_the_block_sign_reference():
    """Efficiency at CI size: the coarse variable of the validation-best learned filter, applied
    hard as ``coarse-grain`` does, carries as much as the block sign (model-free scores within
    4 combined SE; a random filter's does not: power), and its held-out RSMI reaches the
    block sign's with Λ fixed within 4 combined SE."""
    v, e = planted(3000, seed=9)
    config = TrainConfig(epochs=15, patience=5, warmup=5, batch=100)
    learned = train_batch(v, e, components=1, runs=2, seed=10, config=config)
    rows = part_rows(len(v), config.split, np.random.default_rng(np.random.SeedSequence(10)))
    centred = (v - learned.inputs["v_centre"]) / learned.inputs["v_scale"]
    best = learned.filters[np.nanargmax(learned.rsmi_val)]
    block = reference_filters("ising", "square", (LV, LV))["block sign"]
    random = np.random.default_rng(12).normal(size=(1, LV * LV))
    score = {
        name: linear_reference(centred @ f.T, e, rows, np.random.default_rng(11))
        for name, f in (("learned", best), ("block", block), ("random", random))
    }
    gap = 4 * math.hypot(score["learned"].se, score["block"].se)
    assert score["learned"].mi > score["block"].mi - gap
    assert score["random"].mi < score["block"].mi - gap
    # and the held-out estimates: the learned run against the block sign with Λ fixed
    (fixed,) = score_references(
        Windows.of_arrays(v, e), {"block sign": block}, seed=10, config=config
    )
    pick = np.nanargmax(learned.rsmi_val)
    assert learned.rsmi[pick] > fixed.rsmi - 4 * math.hypot(learned.rsmi_se[pick], fixed.rsmi_se)


def test_dimer_references_are_the_pristine_pairs():
    """On the bond grid the references are (P1, P2), (Ex, Ey) and C, unit rows on bonds only."""
    refs = reference_filters("dimers", "dimer_grid", (8, 8))
    assert list(refs) == ["P1,P2", "Ex,Ey", "C"]
    assert [len(r) for r in refs.values()] == [2, 2, 1]
    grid = np.indices((8, 8)).sum(0).ravel() % 2 == 1
    for rows in refs.values():
        np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1, rtol=1e-6)
        assert not rows[:, ~grid].any()
    assert labels(np.array([[0, 1], [1, 1], [0, 1]])).tolist() == [0, 1, 0]


def test_optimise_stores_references_and_info_shows_them(tmp_path, capsys):
    """``rsmine optimise --references true`` stores the block sign's scores in the runs store's
    attr ``references``; ``rsmine info`` prints them beside the learned run; without the flag
    nothing is stored."""
    from rsmine import cli, stores

    samples, runs = str(tmp_path / "s.zarr"), str(tmp_path / "r.zarr")
    simulate = ["simulate", "ising", "--L", "8", "--T", "2.3", "--samples", "600"]
    assert cli.main([*simulate, "--seed", "1", "--out", samples]) == 0
    optimise = ["optimise", "--samples", samples, "--lv", "2", "--lb", "1", "--le", "1"]
    optimise += ["--runs", "1", "--seed", "2", "--epochs", "2", "--batch", "20"]
    assert cli.main([*optimise, "--out", runs, "--references", "true"]) == 0
    (ref,) = stores.open_store(runs, "runs").attrs["references"]
    assert ref["name"] == "block sign" and ref["plugin"] > 4 * ref["plugin_se"]
    capsys.readouterr()
    assert cli.main(["info", runs]) == 0
    assert "reference block sign: critic-only" in capsys.readouterr().out
    assert cli.main(["references", runs, "--csv", str(tmp_path / "refs.csv")]) == 0
    assert "block sign" in (tmp_path / "refs.csv").read_text()
    assert cli.main([*optimise, "--out", str(tmp_path / "plain.zarr")]) == 0
    assert "references" not in stores.open_store(tmp_path / "plain.zarr", "runs").attrs
    # aggregated, the ensemble carries them and its summary sets the learned run beside them
    ensemble = aggregate([RunsPart(Path(runs), "T2.3", 2.3, None, None)], tmp_path / "e.zarr", 1)
    (carried,) = stores.open_store(ensemble, "ensemble").attrs["references"]
    assert carried == {"point": "T2.3", "control": 2.3, "lb": 1, "components": 1} | ref
    (row,) = summarise(ensemble).itertuples()
    assert (row.reference, row.reference_rsmi) == ("block sign", pytest.approx(ref["rsmi"]))
    assert row.efficiency == pytest.approx(row.best / max(ref["rsmi"], ref["plugin"]))
