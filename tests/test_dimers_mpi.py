"""MPI chains into one store: rank-count independence, fail-fast abort, resume, input errors."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import zarr

from rsmine import cli
from rsmine.errors import InputError
from rsmine.models.dimers import driver
from rsmine.stores import read_samples

BIN = Path(sys.executable).parent
PARAMS = ["--n", "8", "--T", "0.65", "--chains", "4", "--sweeps", "12", "--thermalise", "3"]
ARGS = ["simulate", "dimers", *PARAMS, "--seed", "77"]


def _mpi(out: Path, ranks: int, *extra: str, fail_chain: int | None = None):
    env = {k: v for k, v in os.environ.items() if k != driver.FAIL_CHAIN_ENV}
    if fail_chain is not None:
        env[driver.FAIL_CHAIN_ENV] = str(fail_chain)
    cmd = [str(BIN / "mpiexec"), "-n", str(ranks), str(BIN / "rsmine"), *ARGS, "--out", str(out)]
    return subprocess.run([*cmd, *extra], capture_output=True, text=True, env=env, timeout=300)


def _assert_same_store(a: Path, b: Path) -> None:
    ga, gb = zarr.open_group(str(a), mode="r"), zarr.open_group(str(b), mode="r")
    assert sorted(ga.array_keys()) == sorted(gb.array_keys())
    for name in ga.array_keys():
        assert ga[name].chunks == gb[name].chunks
        np.testing.assert_array_equal(ga[name][...], gb[name][...], err_msg=name)
    attrs_a, attrs_b = dict(ga.attrs), dict(gb.attrs)
    assert attrs_a.pop("created") and attrs_b.pop("created")
    assert attrs_a == attrs_b


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The store of a plain one-rank ``rsmine simulate dimers`` (in process)."""
    out = tmp_path_factory.mktemp("ref") / "ref.zarr"
    assert cli.main([*ARGS, "--out", str(out)]) == 0
    samples = read_samples(out, observables=("chain",))
    assert samples.configs.shape == (48, 16, 16)
    assert (samples.observables["chain"] == np.repeat(np.arange(4), 12)).all()
    return out


@pytest.mark.mpi
def test_two_ranks_write_the_same_store_as_one(reference, tmp_path):
    out = tmp_path / "two.zarr"
    result = _mpi(out, 2)
    assert result.returncode == 0, result.stderr
    _assert_same_store(reference, out)


@pytest.mark.mpi
def test_failing_rank_aborts_the_job_and_resume_completes_it(reference, tmp_path):
    out = tmp_path / "broken.zarr"
    started = time.perf_counter()
    result = _mpi(out, 2, fail_chain=3)  # chain 3 belongs to rank 1
    assert result.returncode != 0
    assert "injected failure at chain 3" in result.stderr
    assert time.perf_counter() - started < 120  # no deadlock: the job ends on its own
    with pytest.raises(InputError, match="incomplete"):
        read_samples(out)
    assert not zarr.open_group(str(out), mode="r")["chain_done"][3]

    result = _mpi(out, 2, "--resume")
    assert result.returncode == 0, result.stderr
    _assert_same_store(reference, out)


def test_single_rank_interruption_then_resume(reference, tmp_path, monkeypatch):
    out = tmp_path / "one.zarr"
    monkeypatch.setenv(driver.FAIL_CHAIN_ENV, "2")
    with pytest.raises(RuntimeError, match="injected failure"):
        cli.main([*ARGS, "--out", str(out)])
    done = zarr.open_group(str(out), mode="r")["chain_done"][...]
    assert done.tolist() == [True, True, False, False]
    monkeypatch.delenv(driver.FAIL_CHAIN_ENV)
    assert cli.main([*ARGS, "--out", str(out), "--resume"]) == 0
    _assert_same_store(reference, out)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--n", "7", "--n must be an even"),
        ("--n", "0", "--n must be an even"),
        ("--T", "-1", "--T must be"),
        ("--T", "nan", "--T must be"),
        ("--chains", "0", "--chains must be"),
        ("--sweeps", "0", "--sweeps must be"),
        ("--subsweeps", "0", "--subsweeps must be"),
        ("--thermalise", "0", "--thermalise must be"),
    ],
)
def test_bad_input_fails_before_any_work(tmp_path, capsys, option, value, message):
    out = tmp_path / "bad.zarr"
    args = [*ARGS, "--out", str(out), option, value]
    assert cli.main(args) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_resume_refuses_a_store_with_other_parameters(reference, tmp_path, capsys):
    args = [a if a != "0.65" else "0.7" for a in ARGS]
    assert cli.main([*args, "--out", str(reference), "--resume"]) == 2
    assert "--resume" in capsys.readouterr().err
    read_samples(reference)  # untouched and still complete


@pytest.mark.parametrize("launcher_says", ["SLURM_STEP_NUM_TASKS", "PMI_SIZE"])
def test_one_of_n_single_rank_copies_refuses_naming_the_fix(
    tmp_path, capsys, monkeypatch, launcher_says
):
    """`srun -n 2` where SLURM gives MPI no PMI starts 2 copies of the command, each a
    one-rank MPI job, with SLURM_STEP_NUM_TASKS=2 in its environment (the real launch is
    tests/test_slurm_real.py); each copy must refuse before it writes anything."""
    out = tmp_path / "copy.zarr"
    monkeypatch.setenv(launcher_says, "2")
    assert cli.main([*ARGS, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"started 2 tasks ({launcher_says}=2)" in err
    assert "`srun --mpi=pmi2 -n 2`" in err and "`mpiexec -n 2`" in err
    assert not out.exists()
    monkeypatch.setenv(launcher_says, "1")  # one task of one rank: a plain run
    assert cli.main([*ARGS, "--out", str(out)]) == 0


@pytest.mark.mpi
def test_more_ranks_than_chains_are_refused_naming_both(tmp_path):
    out = tmp_path / "idle.zarr"
    result = _mpi(out, 3, "--chains", "2")
    assert result.returncode != 0
    assert "3 MPI ranks for --chains 2" in result.stderr
    assert not out.exists()
    assert _mpi(out, 2, "--chains", "2").returncode == 0  # as many ranks as chains run
