"""``rsmine optimise`` and ``rsmine info`` end to end, and bad input refused before any work."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
import zarr
from factories import write_foreign_samples, write_ising_like

from rsmine import stores
from rsmine.cli import main
from rsmine.errors import InputError
from rsmine.optimise import optimise_store
from rsmine.plan import Plan


def _rsmine() -> str:  # the installed console script, else the one beside this interpreter
    return shutil.which("rsmine") or str(Path(sys.executable).parent / "rsmine")


@pytest.fixture
def samples(tmp_path) -> Path:
    return write_ising_like(tmp_path / "samples.zarr", 200)


_GOOD = ["--lv", "2", "--lb", "1", "--le", "2", "--runs", "2", "--seed", "5"]


def _args(samples: Path, out: Path, *extra: str, base=_GOOD) -> list[str]:
    replaced = list(base)
    for i in range(0, len(extra), 2):
        if extra[i] in replaced:
            replaced[replaced.index(extra[i]) + 1] = extra[i + 1]
        else:
            replaced += [extra[i], extra[i + 1]]
    return ["optimise", "--samples", str(samples), "--out", str(out), *replaced]


def _refused(capsys, tmp_path, argv, message: str) -> None:
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("rsmine optimise: ") and message in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no store, no temporary


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--runs", "0"), "--runs 0: expected an integer >= 1"),
        (("--first-run", "-1"), "--first-run -1: expected an integer >= 0"),
        (("--seed", "-3"), "--seed -3: expected an integer >= 0"),
        (("--components", "0"), "--components 0: expected an integer >= 1"),
        (("--origins", "0"), "--origins 0: expected an integer >= 1"),
        (("--origins", "1000"), "origins 1000: expected between 1 and 144"),
        (("--epochs", "0"), "epochs must be >= 1, got 0"),
        (("--patience", "-1"), "patience must be >= 0, got -1"),
        (("--batch", "1"), "batch must be >= 2"),
        (("--lr", "0"), "lr must be > 0, got 0.0"),
        (("--lr", "nan"), "lr must be > 0, got nan"),
        (("--lv", "0"), "--lv 0, --lb 1, --le 2: expected lv >= 1"),
        (("--lb", "-1"), "--lv 2, --lb -1, --le 2: expected lv >= 1, lb >= 0"),
        (("--le", "0"), "--le 0: expected lv >= 1, lb >= 0, le >= 1"),
        (("--lb", "4", "--le", "3"), "= 16 does not fit in the 12x12 lattice of "),
    ],
)
def test_bad_options_are_refused(capsys, tmp_path, samples, extra, message):
    _refused(capsys, tmp_path, _args(samples, tmp_path / "runs.zarr", *extra), message)


def test_unavailable_cuda_is_refused(capsys, tmp_path, samples):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    argv = _args(samples, tmp_path / "runs.zarr", "--device", "cuda", "--batch", "10")
    _refused(capsys, tmp_path, argv, "device 'cuda' requested but torch sees no CUDA device")


def test_batch_larger_than_a_part_is_refused(capsys, tmp_path, samples):
    argv = _args(samples, tmp_path / "runs.zarr", "--batch", "21")
    message = f"{samples}: 200 configurations split (0.7, 0.1, 0.2) leave a part of 20 < batch 21"
    _refused(capsys, tmp_path, argv, message)


@pytest.mark.parametrize(
    ("configs", "attrs", "message"),
    [
        (np.zeros((50, 12, 12), np.int8), {"complete": False}, "store is incomplete"),
        (np.zeros((50, 12, 12), np.int8), {"kind": "runs"}, "is a 'runs' store"),
        (np.full((50, 12, 12), np.nan, np.float32), {}, "non-finite values"),
        (np.zeros(50, np.int8), {}, "expected (sample, *lattice)"),
        (np.zeros((5, 4, 4, 4, 4), np.int8), {}, "'configs' has 5 axes"),
        (np.zeros((50, 12, 12), np.int8), {"lattice": "chain"}, "'chain' but 'configs' has 2"),
    ],
)
def test_bad_sample_stores_are_refused(capsys, tmp_path, configs, attrs, message):
    path = write_foreign_samples(tmp_path / "bad.zarr", configs, named=False, **attrs)
    _refused(capsys, tmp_path, _args(path, tmp_path / "runs.zarr"), f"{path}: ")
    _refused(capsys, tmp_path, _args(path, tmp_path / "runs.zarr"), message)


def test_missing_configs_and_missing_store_are_refused(capsys, tmp_path):
    empty = tmp_path / "empty.zarr"
    zarr.open_group(store=str(empty), mode="w", zarr_format=3).attrs["complete"] = True
    _refused(capsys, tmp_path, _args(empty, tmp_path / "o.zarr"), "no 'configs' array")
    _refused(capsys, tmp_path, _args(tmp_path / "no.zarr", tmp_path / "o.zarr"), "no such store")


def test_output_that_is_not_a_runs_store_is_refused(capsys, tmp_path, samples):
    _refused(capsys, tmp_path, _args(samples, samples), f"is the input {samples}")
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("do not delete")
    _refused(capsys, tmp_path, _args(samples, precious), "is a directory with 1 entries")
    other = write_foreign_samples(tmp_path / "other.zarr", np.zeros((3, 4), np.int8), kind="runs")
    _refused(capsys, tmp_path, _args(samples, other), "that is not an rsmine store")
    assert (precious / "thesis.tex").read_text() == "do not delete"


def test_console_script_refuses_bad_input_with_exit_2(tmp_path, samples):
    out = tmp_path / "runs.zarr"
    done = subprocess.run(
        [_rsmine(), *_args(samples, out, "--lb", "4", "--le", "3")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"rsmine optimise: --lv 2 + 2*--lb 4 + 2*--le 3 = 16 does not fit "
        f"in the 12x12 lattice of {samples}"
    )
    assert not out.exists()


@pytest.mark.parametrize("kind", ["samples", "runs", "ensemble"])
def test_info_prints_every_kind(capsys, tmp_path, kind):
    path = tmp_path / f"{kind}.zarr"
    with stores.building(path, kind, {"lv": 2}, stores.seed_record(5)) as group:
        stores.write_array(group, "rsmi", np.arange(3, dtype=np.float32), ["run"])
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"kind: {kind}" in out and "rsmi" in out and "run=3" in out and "params.lv: 2" in out


def test_info_refuses_what_is_not_a_store(capsys, tmp_path):
    assert main(["info", str(tmp_path / "nothing.zarr")]) == 2
    assert "rsmine info: " in capsys.readouterr().err


_QUICK = ["--runs", "3", "--first-run", "2", "--epochs", "3", "--batch", "20", "--device", "cpu"]


def _dims(group: zarr.Group, name: str) -> tuple[str, ...]:
    return tuple(group[name].metadata.dimension_names)


def test_round_trip_through_main(capsys, tmp_path, one_thread):
    samples = write_ising_like(tmp_path / "s.zarr", 400)
    out = tmp_path / "runs.zarr"
    assert main(_args(samples, out, *_QUICK)) == 0
    err = capsys.readouterr().err
    assert "rsmine optimise: 3 runs, test RSMI mean" in err and "0 failed" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.zarr", "s.zarr"]
    group = stores.open_store(out, "runs")
    assert group.attrs["complete"] is True and group.attrs["kind"] == "runs"
    assert group.attrs["lattice"] == "square" and group.attrs["v_shape"] == [2, 2]
    assert group.attrs["samples"] == str(samples) and group.attrs["units"] == "nats"
    assert group.attrs["seed"]["entropy"] == 5
    params = group.attrs["params"]
    assert params["region"]["lv"] == 2 and params["region"]["n_env"] == 8**2 - 4**2
    assert params["optimiser"]["epochs"] == 3 and params["optimiser"]["batch"] == 20
    assert params["coarse_grainer"]["components"] == 1 and params["critic"]["bound"] == "infonce"
    assert params["split"]["split"] == [0.7, 0.1, 0.2]
    assert group["filters"].shape == (3, 1, 2, 2) and group["filters"].dtype == np.float32
    assert _dims(group, "filters") == ("run", "component", "v0", "v1")
    assert _dims(group, "history") == ("run", "epoch", "part") and group["history"].shape == (
        3,
        3,
        2,
    )
    assert group["history"].attrs["part"] == ["train", "val"]
    for name in ("rsmi", "rsmi_val", "rsmi_train", "best_epoch", "failed", "failed_epoch"):
        assert _dims(group, name) == ("run",) and group[name].shape == (3,)
    assert group["rsmi"].dtype == np.float32 and group["rsmi"].attrs["units"] == "nats"
    assert group["run_id"][...].tolist() == [2, 3, 4] and group["run_id"].dtype == np.int64
    assert not group["failed"][...].any() and (group["failed_epoch"][...] == -1).all()
    rsmi = group["rsmi"][...]
    assert np.isfinite(rsmi).all() and (rsmi < np.log(20)).all()
    assert main(["info", str(out)]) == 0
    assert "filters" in capsys.readouterr().out


def test_chunked_runs_match_one_batch(tmp_path, one_thread):
    """Run 3 trained alone (a workflow chunk) equals run 3 inside the batch of runs 2-4."""
    samples = write_ising_like(tmp_path / "s.zarr", 400)
    assert main(_args(samples, tmp_path / "all.zarr", *_QUICK)) == 0
    assert (
        main(_args(samples, tmp_path / "one.zarr", *_QUICK, "--runs", "1", "--first-run", "3")) == 0
    )
    batch, alone = (
        stores.open_store(tmp_path / "all.zarr"),
        stores.open_store(tmp_path / "one.zarr"),
    )
    assert alone["run_id"][...].tolist() == [3]
    np.testing.assert_allclose(alone["filters"][0], batch["filters"][1], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(alone["rsmi"][0], batch["rsmi"][1], rtol=1e-4, atol=1e-5)
    assert not np.allclose(batch["filters"][0], batch["filters"][1])


def test_round_trip_through_console_script_on_a_dimer_grid(tmp_path):
    """The installed ``rsmine`` on a (2n, 2n) bond grid: two components, masked 4x4 filters."""
    rng = np.random.default_rng(1)
    grid = np.zeros((300, 16, 16), np.int8)
    grid[:, 0::2, 1::2] = rng.integers(0, 2, size=(300, 8, 8))
    grid[:, 1::2, 0::2] = rng.integers(0, 2, size=(300, 8, 8))
    samples = write_foreign_samples(tmp_path / "d.zarr", grid, lattice="dimer_grid")
    out = tmp_path / "runs.zarr"
    argv = ["optimise", "--samples", str(samples), "--out", str(out), "--lv", "4", "--lb", "2"]
    argv += ["--le", "2", "--runs", "2", "--seed", "3", "--epochs", "2", "--batch", "20"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run([_rsmine(), *argv], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("rsmine optimise: 2 runs, test RSMI mean")
    group = stores.open_store(out, "runs")
    filters = group["filters"][...]
    assert filters.shape == (2, 2, 4, 4)  # two components by default on the dimer grid
    rows, cols = np.indices((4, 4))
    assert np.all(filters[..., (rows + cols) % 2 == 0] == 0)  # vertex and face weights
    assert np.all(filters[..., (rows + cols) % 2 == 1] != 0)
    assert group.attrs["params"]["coarse_grainer"]["n_free"] == 8
    assert group.attrs["params"]["coarse_grainer"]["tau_max"] == 0.75
    info = subprocess.run([_rsmine(), "info", str(out)], capture_output=True, text=True, env=env)
    assert info.returncode == 0 and "kind: runs" in info.stdout and "v_shape: [4, 4]" in info.stdout


def test_declared_options_set_fields(tmp_path, one_thread):
    samples = write_ising_like(tmp_path / "s.zarr", 400)
    options = {"epochs": 2, "batch": 40, "weight_decay": 1e-3, "hidden": [8], "halt_delta": None}
    out = optimise_store(
        samples, tmp_path / "r.zarr", lv=2, lb=1, le=2, runs=1, seed=0, origins=3, **options
    )
    params = stores.open_store(out).attrs["params"]
    assert params["optimiser"]["epochs"] == 2 and params["optimiser"]["batch"] == 40
    assert params["optimiser"]["halt_delta"] is None  # None: not given, the default
    assert params["optimiser"]["weight_decay"] == 1e-3 and params["critic"]["hidden"] == [8]
    assert params["region"]["origins"] == 3 and len(params["region"]["origin_coords"]) == 3


def test_rerun_replaces_an_existing_runs_store(tmp_path, one_thread):
    samples = write_ising_like(tmp_path / "s.zarr", 400)
    out = tmp_path / "runs.zarr"
    assert main(_args(samples, out, *_QUICK)) == 0
    assert main(_args(samples, out, *_QUICK, "--runs", "1", "--first-run", "7")) == 0
    assert stores.open_store(out, "runs")["run_id"][...].tolist() == [7]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.zarr", "s.zarr"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"device": "tpu"}, "device 'tpu' is not one of cpu, cuda, auto"),
        ({"runs": 2.5}, "--runs 2.5: expected an integer >= 1"),
        ({"runs": True}, "--runs True: expected an integer >= 1"),
        ({"bogus": 1}, "option(s) ['bogus']: expected some of ['origins', 'epochs'"),
        ({"split": (0.5, 0.5, 0.0)}, "split must be three positive fractions"),
        ({"embedding": "ternary"}, "embedding 'ternary' is not one of"),
        ({"bound": "jsd"}, "bound 'jsd' is not one of infonce, nwj, tuba, dv"),
    ],
)
def test_bad_library_arguments_are_refused(tmp_path, samples, kwargs, message):
    args = {"lv": 2, "lb": 1, "le": 2, "runs": 2, "seed": 0, "batch": 10, **kwargs}
    with pytest.raises(InputError) as info:
        optimise_store(samples, tmp_path / "runs.zarr", **args)
    assert message in str(info.value)
    assert not (tmp_path / "runs.zarr").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--device", "tpu"), "invalid choice: 'tpu'"),
        (("--bound", "jsd"), "invalid choice: 'jsd'"),
        (("--origins", "many"), "expected an integer or auto, got 'many'"),
        (("--centre", "yes"), "expected true or false, got 'yes'"),
    ],
)
def test_argparse_refuses_what_the_declaration_excludes(capsys, tmp_path, samples, extra, message):
    with pytest.raises(SystemExit) as info:
        main(_args(samples, tmp_path / "runs.zarr", *extra))
    assert info.value.code == 2 and message in capsys.readouterr().err


ROOT = Path(__file__).resolve().parents[1]
# a value of every declared option other than its default, as a workflow's train block holds it
_NOT_DEFAULT = {
    "origins": 3,
    "references": True,
    "epochs": 2,
    "patience": 0,
    "warmup": 1,
    "restarts": 0,
    "batch": 20,
    "lr": 0.01,
    "lambda_optimiser": "coordinate",
    "init_scale": 0.0,
    "bound": "nwj",
    "split": [0.6, 0.2, 0.2],
    "val_origins": 1,
    "embedding": "categorical",
    "states": 3,
    "tau_max": 0.75,
    "tau_min": 0.2,
    "anneal_rate": 0.01,
    "hidden": [16, 8],
    "embed": 4,
    "weight_decay": 0.001,
    "halt_delta": 0.001,
    "halt_alpha": 0.5,
    "average": 2.0,
    "lbfgs_steps": 2,
    "device": "cpu",
    "centre": False,
    "standardise": False,
    "whiten": True,
    "scale_v": True,
}


def _args_dict() -> dict[str, int]:
    return {_GOOD[i][2:]: int(_GOOD[i + 1]) for i in range(0, len(_GOOD), 2)}


def test_options_are_declared_once_and_every_consumer_agrees(tmp_path, samples, one_thread):
    """CLI flags (help, defaults, choices), optimise_store's keywords, the workflow's
    optimise_args and the schema's train block all follow rsmine.estimator.train.options()."""
    from rsmine.cli import build_parser
    from rsmine.estimator.train import options
    from rsmine.flags import option_flags

    declared = options()
    assert sorted(_NOT_DEFAULT) == sorted(declared)
    assert all(_NOT_DEFAULT[k] != d for k, (d, _) in declared.items())
    # the schema's train block copies nothing: rsmine.study checks it against the declaration
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    assert set(schema["$defs"]["train"]) == {"description", "type"}
    # --help: every flag with its help and default; choices for bound and device
    done = subprocess.run([_rsmine(), "optimise", "--help"], capture_output=True, text=True)
    help_text = " ".join(done.stdout.split())
    for name, (default, option) in declared.items():
        shown = "off" if default is None else " ".join(map(str, np.atleast_1d(default)))
        flag = "--" + name.replace("_", "-")
        assert f"{flag} " in help_text and f"{option.help} (default: {shown.lower()}" in help_text
    assert "--bound {infonce,nwj,tuba,dv}" in help_text and "--device {cpu,cuda,auto}" in help_text
    assert "(default: 30; dimer grid: 80; chain: 200)" in help_text
    # the flags a workflow writes parse back to the values it holds
    flags = option_flags(_NOT_DEFAULT).split()
    parsed = vars(build_parser().parse_args([*_args("s", "o"), *flags]))
    for name, value in _NOT_DEFAULT.items():
        assert parsed[name] == value, name
    # optimise_store takes every declared name as a keyword and records the value
    out = optimise_store(samples, tmp_path / "r.zarr", **_args_dict(), **_NOT_DEFAULT)
    params = stores.open_store(out).attrs["params"]
    groups = [g for g in params.values() if isinstance(g, dict)]
    recorded = {k: v for group in groups for k, v in group.items()}
    for name, value in _NOT_DEFAULT.items():
        assert recorded[name] == value, name
    # and the workflow's plan passes every key of a system's train block
    config = yaml.safe_load((ROOT / "config/demo.yaml").read_text())
    system = next(iter(config["systems"]))
    config["systems"][system]["optimise"]["train"] = dict(_NOT_DEFAULT)
    plan = Plan(config)
    argv = plan.optimise_options(system, plan.points[system][0].label, 0, 1, 0).split()
    parsed = vars(build_parser().parse_args(["optimise", "--samples", "s", "--out", "o", *argv]))
    for name, value in _NOT_DEFAULT.items():
        assert parsed[name] == value, name


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ({}, 1),  # a user's store that says nothing of its lattice: one origin
        ({"periodic": True}, 9),  # ceil(4 x 4272 critic parameters / 2100 training configs)
        ({"params": {"model": "ising"}}, 9),  # written by rsmine's Ising sampler
        ({"periodic": True, "ask": 2}, 2),  # asked for: as asked
    ],
)
def test_origins_auto_follows_the_store_and_the_critic(tmp_path, one_thread, attrs, expected):
    ask = attrs.pop("ask", "auto")
    path = write_ising_like(tmp_path / "s.zarr", 3000, **attrs)
    out = optimise_store(path, tmp_path / "r.zarr", **_args_dict(), origins=ask, epochs=1)
    region = stores.open_store(out).attrs["params"]["region"]
    assert region["origins"] == expected and region["origins_asked"] == ask
    assert len(region["origin_coords"]) == expected
