"""Resumable optimise (issue 16 item 6): a real SIGTERM at a random epoch to a real
``rsmine optimise``, then the same command again, gives the uninterrupted store bit for bit.
16 runs: on a machine of 2+ cores they train as two replica groups on two threads
(rsmine.estimator.train.groups), so the interrupt also lands inside a grouped epoch."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import zarr

from rsmine import cli
from rsmine.optimise import checkpoint_path

BIN = Path(sys.executable).parent
EPOCHS = 14
TRAIN = ["--lv", "2", "--lb", "1", "--le", "2", "--runs", "16", "--seed", "4", "--epochs",
         str(EPOCHS), "--patience", "6", "--batch", "50", "--origins", "1"]  # fmt: skip


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("samples") / "s.zarr"
    sim = ["simulate", "ising", "--L", "12", "--T", "2.3", "--samples", "600", "--seed", "3"]
    assert cli.main([*sim, "--out", str(out)]) == 0
    return out


def _optimise(samples: Path, out: Path, *extra: str) -> subprocess.Popen:
    cmd = [BIN / "rsmine", "optimise", "--samples", samples, "--out", out, *TRAIN, *extra]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen) -> str:
    _, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr
    return stderr


def _saved_epoch(path: Path) -> int:
    try:
        with np.load(path) as data:
            return int(data["epoch"])
    except (OSError, ValueError, KeyError):
        return 0


def _same(a: Path, b: Path) -> None:
    ga, gb = zarr.open_group(str(a), mode="r"), zarr.open_group(str(b), mode="r")
    assert sorted(ga.array_keys()) == sorted(gb.array_keys())
    for name in ga.array_keys():
        x, y = ga[name][...], gb[name][...]
        assert x.dtype == y.dtype and x.tobytes() == y.tobytes(), name
    attrs_a, attrs_b = dict(ga.attrs), dict(gb.attrs)
    attrs_a.pop("created"), attrs_b.pop("created")
    assert attrs_a == attrs_b


@pytest.mark.parametrize("seed", [11, 12])
def test_sigterm_at_a_random_epoch_then_rerun_is_bit_identical(samples, tmp_path, seed):
    reference = tmp_path / "ref.zarr"
    _finish(_optimise(samples, reference))
    stop_after = int(np.random.default_rng(seed).integers(1, EPOCHS - 6))
    out = tmp_path / "r.zarr"
    proc = _optimise(samples, out)
    checkpoint = checkpoint_path(out)
    while _saved_epoch(checkpoint) < stop_after:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM
    assert "interrupted by SIGTERM" in stderr and "run the same command again" in stderr
    assert not out.exists() and _saved_epoch(checkpoint) >= stop_after
    saved = _saved_epoch(checkpoint)
    rerun = _finish(_optimise(samples, out))  # the workflow's rerun: the same command, no flag
    assert f"continued after epoch {saved}" in rerun  # it did not start over
    _same(reference, out)
    assert not checkpoint.exists()
    history = zarr.open_group(str(out), mode="r")["history"][...]
    assert np.isfinite(history[:, stop_after + 1]).any()  # epochs after the stop were trained


def test_resume_without_a_checkpoint_is_refused(samples, tmp_path, capsys):
    out = tmp_path / "r.zarr"
    argv = ["optimise", "--samples", str(samples), "--out", str(out), *TRAIN, "--resume"]
    assert cli.main(argv) == 2
    assert "--resume: no checkpoint of these settings" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_checkpoint_of_other_settings_is_not_continued(samples, tmp_path):
    out = tmp_path / "r.zarr"
    proc = _optimise(samples, out, "--lr", "0.01")
    while _saved_epoch(checkpoint_path(out)) < 1:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    argv = ["optimise", "--samples", str(samples), "--out", str(out), *TRAIN, "--resume"]
    assert cli.main(argv) == 2  # --resume refuses a checkpoint of another learning rate
    reference = tmp_path / "ref.zarr"
    _finish(_optimise(samples, reference))
    assert "continued" not in _finish(_optimise(samples, out))  # started afresh
    _same(reference, out)
