"""The held-out evaluation: hard H (what ``rsmine coarse-grain`` writes) scored with a whole
part as one candidate set, with a standard error; standardised inputs, recorded and applied;
best runs chosen on the validation part only."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import rsmine
from rsmine import stores
from rsmine.aggregate import RunsPart, aggregate
from rsmine.analysis.filters import gallery
from rsmine.analysis.rsmi import summary
from rsmine.cli import main
from rsmine.coarse_grain import read_components, read_filter
from rsmine.estimator import bounds
from rsmine.estimator.regions import Partition, Windows
from rsmine.estimator.train import Replicas, Setup, TrainConfig, evaluation, split, train_batch
from rsmine.estimator.train.standardise import site_moments

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("name", sorted(bounds.BOUNDS))
def test_row_terms_average_to_the_bound_of_the_whole_matrix(name):
    scores = torch.randn(3, 40, 40, dtype=torch.float64) * 2
    scores.diagonal(dim1=-2, dim2=-1).add_(3.0)  # joint pairs score high, as after training
    terms = bounds.row_terms(
        name, scores.diagonal(dim1=-2, dim2=-1), scores.logsumexp(-1), scores.shape[-1]
    )
    assert torch.allclose(terms.mean(-1), bounds.BOUNDS[name](scores), atol=1e-9)
    # power: a single row's change moves the value
    assert not torch.allclose(terms[..., 1:].mean(-1), bounds.BOUNDS[name](scores), atol=1e-3)


def _setup_parts_state(embedding: str, states: int, components: int):
    rng = np.random.default_rng(0)
    v = rng.choice([-1.0, 1.0], size=(600, 2, 9)).astype(np.float32)
    e = (v[:, :, :4] + rng.normal(size=(600, 2, 4))).astype(np.float32)
    config = TrainConfig(batch=50, embedding=embedding, states=states)
    setup = Setup.create(config, components, None)
    parts = split(Windows.of_arrays(v, e), config, np.random.default_rng(1), setup.device)
    state = Replicas.create(setup, parts, 3, 0, 2)
    return setup, parts, state


@pytest.mark.parametrize(
    ("embedding", "states", "components"), [("binary", 2, 3), ("categorical", 3, 2)]
)
def test_value_table_gives_the_row_blocks_logsumexp(embedding, states, components, monkeypatch):
    setup, parts, state = _setup_parts_state(embedding, states, components)
    table = evaluation.score_part(setup, state.params, parts, "test")
    monkeypatch.setattr(evaluation, "MAX_TABLE", 0)  # every row scored against all columns
    monkeypatch.setattr(evaluation, "SCORE_ENTRIES", 2 * 7 * 120)  # in blocks of 7 rows
    blocks = evaluation.score_part(setup, state.params, parts, "test")
    assert table.candidates == blocks.candidates == parts.size("test") == 120
    assert torch.allclose(table.value, blocks.value, atol=1e-5)
    assert torch.allclose(table.stderr, blocks.stderr, atol=1e-5)
    # the whole-part score is not the minibatch one (K = 120, not 50)
    sampled = evaluation.sampled_estimate(
        setup, state.params, parts, "test", state.eval_noise["test"]
    )
    assert not torch.allclose(table.value, sampled, atol=1e-4)


def _cli(*argv: str) -> None:
    assert main([str(a) for a in argv]) == 0


@pytest.fixture(scope="module")
def ising_runs(tmp_path_factory, one_thread):
    """A 16x16 Ising sample store and a runs store of two runs with V at the origin."""
    tmp = tmp_path_factory.mktemp("eval")
    samples, runs = tmp / "ising.zarr", tmp / "runs.zarr"
    _cli(
        "simulate", "ising", "--L", 16, "--T", 2.3, "--samples", 1000, "--seed", 4, "--out", samples
    )
    _cli(
        "optimise",
        "--samples",
        samples,
        "--out",
        runs,
        "--lv",
        4,
        "--lb",
        1,
        "--le",
        2,
        "--runs",
        2,
        "--seed",
        5,
        "--epochs",
        2,
        "--batch",
        50,
        "--origins",
        1,
        "--device",
        "cpu",
    )
    return samples, runs


def test_hard_h_scored_is_what_coarse_grain_writes(ising_runs, tmp_path):
    """Standardisation recorded in the store and applied; the H the evaluation scores on the
    test part is, configuration by configuration, the H that ``rsmine coarse-grain`` writes."""
    samples, runs = ising_runs
    out = tmp_path / "cg.zarr"
    _cli("coarse-grain", "--filters", runs, "--samples", samples, "--out", out)  # default H
    group = stores.open_store(runs, "runs")
    params = group.attrs["params"]
    assert params["evaluation"]["candidates"] == 200 and params["coarse_grainer"]["standardise"]
    configs = stores.read_samples(samples).configs
    partition = Partition("square", (16, 16), lv=4, lb=1, le=2)
    v, e = partition.split(configs)
    config = TrainConfig(batch=50, epochs=2)
    setup = Setup.create(config, 1, partition.mask)
    rng = np.random.default_rng(np.random.SeedSequence(5))
    parts = split(Windows.of_arrays(v, e), config, rng, setup.device)
    # the statistics of the training part, recorded in the store
    for name, values in parts.inputs.record().items():
        assert np.allclose(np.asarray(group[name][...]).reshape(-1), values, atol=1e-6), name
    mean, std = site_moments(e, parts.rows["train"].numpy())
    assert np.allclose(group["e_centre"][...], mean, atol=1e-6)
    assert np.allclose(group["e_scale"][...], std, atol=1e-6)
    assert not np.allclose(std, std.mean(), rtol=1e-3)  # per site, not one global scale
    learned = read_filter(runs, "best")
    assert learned.index == int(np.nanargmax(group["rsmi_val"][...]))
    filters = torch.as_tensor(learned.filters.reshape(1, 1, -1))
    test_rows = parts.rows["test"]
    v_test, _ = parts.take("test", slice(None), 0)
    h = evaluation.hard_h(setup, {"filters": filters}, v_test)[0, :, 0].numpy()
    written = read_components(out)[test_rows.numpy(), 0, 0, 0]  # block (0, 0) is V
    assert set(np.unique(written)) == {-1, 1}
    assert (written == h).all()
    # power: the H drawn with training noise differs
    noisy = tmp_path / "noisy.zarr"
    _cli(
        "coarse-grain",
        "--filters",
        runs,
        "--samples",
        samples,
        "--out",
        noisy,
        "--noise",
        "logistic",
    )
    assert (read_components(noisy)[test_rows.numpy(), 0, 0, 0] != h).any()
    # the reported estimate: finite, with a positive standard error, beside the diagnostic
    rsmi, se = group["rsmi"][...], group["rsmi_se"][...]
    assert (
        np.isfinite(rsmi).all() and (se > 0).all() and np.isfinite(group["rsmi_sampled"][...]).all()
    )


def test_standardised_inputs_make_training_blind_to_units():
    """E with one site in units 1000x larger and shifted: the same RSMI with standardisation,
    not without (heavy or shifted inputs, as chipping masses)."""
    rng = np.random.default_rng(2)
    v = rng.choice([-1.0, 1.0], size=(800, 1, 4)).astype(np.float32)
    e = (v.sum(-1, keepdims=True) + rng.normal(size=(800, 1, 3))).astype(np.float32)
    rescaled = e * np.array([1000.0, 1.0, 1.0], np.float32) + 7.0

    def rsmi(env, standardise):
        config = TrainConfig(epochs=3, batch=50, standardise=standardise)
        return train_batch(v, env, components=1, runs=1, seed=1, config=config).rsmi[0]

    assert rsmi(rescaled, True) == pytest.approx(rsmi(e, True), abs=2e-3)
    assert abs(rsmi(rescaled, False) - rsmi(e, False)) > 0.01


def test_gaussian_above_log_100_with_the_whole_test_part():
    """Five independent Gaussian pairs, I = 5 x 1.1 = 5.5 nats > log 100 = 4.61: the estimate
    with K = the 2 000 test pairs exceeds log 100, while the minibatch (K = 100) one cannot."""
    rng = np.random.default_rng(0)
    per_dim = 1.1
    rho = math.sqrt(1 - math.exp(-2 * per_dim))
    x = rng.standard_normal((10_000, 5))
    y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((10_000, 5))
    exact = 5 * per_dim
    result = rsmine.estimate_mi(x, y, seed=0, epochs=30)
    assert result.candidates == 2000
    assert result.sampled < math.log(100) < float(result)
    assert float(result) <= exact + 3 * result.stderr
    assert result.warning is None


def _runs_store(path, rsmi, rsmi_val):
    n = len(rsmi)
    with stores.building(path, "runs", {"region": {"lb": 2}}, stores.seed_record(0)) as group:
        group.attrs["lattice"] = "square"
        filters = np.random.default_rng(0).normal(size=(n, 1, 2, 2)).astype(np.float32)
        stores.write_array(group, "filters", filters, ["run", "component", "v0", "v1"])
        for name, values in (("rsmi", rsmi), ("rsmi_val", rsmi_val), ("rsmi_train", rsmi)):
            stores.write_array(group, name, np.asarray(values, np.float32), ["run"])
        stores.write_array(group, "best_epoch", np.zeros(n, np.int32), ["run"])
        stores.write_array(
            group, "history", np.zeros((n, 2, 2), np.float32), ["run", "epoch", "part"]
        )
        stores.write_array(group, "run_id", np.arange(n, dtype=np.int64), ["run"])
        stores.write_array(group, "failed", np.zeros(n, bool), ["run"])
    return path


def test_best_runs_are_chosen_on_validation_everywhere(tmp_path, capsys):
    """Test and validation disagree: run 0 has the best test RSMI, run 2 the best validation
    one. Tables, the ensemble summary, the gallery, show-filters and coarse-grain pick run 2."""
    rsmi, rsmi_val = [0.9, 0.2, 0.3], [0.1, 0.5, 0.8]
    runs = _runs_store(tmp_path / "runs.zarr", rsmi, rsmi_val)
    ens = aggregate([RunsPart(runs, "A", 1.0, 2, 1)], tmp_path / "ens.zarr", {("A", 2): 3})
    row = summary.summarise(ens).iloc[0]
    assert row["best_run"] == 2 and row["best"] == pytest.approx(0.3)
    assert row["q95"] > row["best"]  # power: the quantiles over runs still see run 0
    assert (
        "rsmi_best_nats"
        in summary.write_summary_csv(summary.summarise(ens), tmp_path / "t.csv").read_text()
    )
    assert read_filter(runs, "best").run_id == 2
    _, _, cells = gallery.read_filter_cells(ens)
    assert list(gallery.gallery_rows(cells, samples=1)[0].drawn) == [2]
    _cli("show-filters", runs, "-o", tmp_path / "s.png", "--samples", "1")
    assert (tmp_path / "s.png").stat().st_size > 0
    _cli("info", ens)
    assert "0.3" in capsys.readouterr().out.split("best [nats]")[1]


@pytest.mark.parametrize(("n", "origins", "k"), [(2000, 9, 2), (2000, 8, 3), (101, 5, 1)])
def test_validation_slots_are_distinct_and_balanced(n, origins, k):
    slots = evaluation.validation_slots(n, origins, k)
    assert slots.shape == (k, n)
    assert all(len(set(slots[:, i].tolist())) == k for i in range(n))  # distinct per config
    counts = torch.bincount(slots.reshape(-1), minlength=origins)
    assert counts.max() - counts.min() <= k, counts  # every origin as often, to +- k
    # power: at k = O every configuration is seen at every origin, in origin order
    every = evaluation.validation_slots(n, origins, origins)
    assert torch.equal(every, torch.arange(origins).unsqueeze(1).expand(origins, n))
    assert torch.equal(evaluation.validation_slots(n, origins, 0), every)  # 0: all


def test_validation_at_few_origins_scores_every_origin():
    """With O <= val_origins validation is the whole part at every origin, bit for bit."""
    setup, parts, state = _setup_parts_state("binary", 2, 1)
    assert parts.origins <= setup.config.val_origins
    every = evaluation.score_part(setup, state.params, parts, "val")
    val = evaluation.validate(setup, state.params, parts)
    assert torch.equal(val.value, every.value) and torch.equal(val.stderr, every.stderr)
    # power: one origin per configuration is a different estimate
    one = evaluation.validation_slots(parts.size("val"), parts.origins, 1)
    single = evaluation.score_part(setup, state.params, parts, "val", slots=one)
    assert not torch.equal(single.value, every.value)


def test_val_origins_changes_only_what_validation_sees():
    """Validation does not steer training: at 3 origins, --val-origins 1 and 0 (all) give the
    same training history (patience 0: no run stops early) and different validation."""
    rng = np.random.default_rng(0)
    v = rng.choice([-1.0, 1.0], size=(600, 3, 9)).astype(np.float32)
    e = (v[:, :, :4] + rng.normal(size=(600, 3, 4))).astype(np.float32)
    runs = {
        k: train_batch(
            v,
            e,
            components=1,
            runs=2,
            seed=1,
            config=TrainConfig(epochs=3, patience=0, batch=50, val_origins=k),
        )
        for k in (1, 0)
    }
    assert np.array_equal(runs[1].history[..., 0], runs[0].history[..., 0])
    assert not np.array_equal(runs[1].history[..., 1], runs[0].history[..., 1])
