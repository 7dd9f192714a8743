"""The workflow on a real SLURM cluster, through ``profiles/slurm`` as a user edits it.

Needs a cluster with accounting where this user may submit with account ``rsmine`` to
partitions ``cpu`` and ``gpu`` (``.ci/slurm-up.sh`` stands one up on one node). Without
one every test here is skipped with the reason; ``RSMINE_REQUIRE_SLURM=1`` (set by
``make test-slurm``) turns that skip into a failure. Everything is real: sbatch, squeue, sacct,
scancel, srun with PMI2, MPICH's mpiexec inside the allocation, the rsmine command.

The edits a user makes (README, "On a SLURM cluster"): the partitions, the account, no
GPU (``gpu: 0`` on a CPU partition) and, for want of conda here, the documented switch
to the project's environment (the ``software-deployment-method`` line deleted).
"""

from __future__ import annotations

import getpass
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import yaml
import zarr

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TINY = ROOT / "config" / "tiny.yaml"
ACCOUNT = "rsmine"
PARTITIONS = ("cpu", "gpu")
FIRST_STATUS_CHECK = 5
"""Seconds from a submission to its first status check (the plugin's default: 40, growing by
10 s per check without a finished job): the only setting the tests add to the user's profile,
for speed; a rhythm of polling, not a behaviour."""

pytestmark = [pytest.mark.slurm, pytest.mark.slow]


def slurm_unavailable() -> str | None:
    """Why no usable cluster is here, or None."""
    for tool in ("sbatch", "srun", "squeue", "sacct", "sacctmgr", "sinfo", "scancel"):
        if shutil.which(tool) is None:
            return f"no `{tool}` on PATH: no SLURM cluster here (.ci/slurm-up.sh makes one)"
    try:
        nodes = subprocess.run(
            ["sinfo", "-h", "-o", "%R %T"], capture_output=True, text=True, timeout=30
        )
        assoc = subprocess.run(
            [
                "sacctmgr",
                "-n",
                "-P",
                "show",
                "assoc",
                f"user={getpass.getuser()}",
                "format=account",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except subprocess.TimeoutExpired as exc:
        return f"`{' '.join(exc.cmd)}` did not answer in 30 s: slurmctld or slurmdbd is down"
    if nodes.returncode != 0:
        return f"sinfo failed: {nodes.stderr.strip()}"
    up = {
        line.split()[0]
        for line in nodes.stdout.splitlines()
        if line.split()[1] in ("idle", "mixed", "allocated")
    }
    if not set(PARTITIONS) <= up:
        return f"partitions {PARTITIONS} are not all up (sinfo: {nodes.stdout.split()})"
    if ACCOUNT not in assoc.stdout.split():
        return f"user {getpass.getuser()} has no association with account {ACCOUNT!r}"
    return None


@pytest.fixture(scope="module", autouse=True)
def cluster():
    reason = slurm_unavailable()
    if reason and os.environ.get("RSMINE_REQUIRE_SLURM") == "1":
        pytest.fail(f"RSMINE_REQUIRE_SLURM=1 but {reason}")
    if reason:
        pytest.skip(reason)


def user_profile(directory: Path, *, gpu: bool = False, mpi: str | None = None) -> Path:
    """profiles/slurm with the edits a user makes, written to ``directory``.

    gpu: keep the shipped GPU request and use partition gpu (else gpu: 0 on cpu);
    mpi: another launcher for the dimer sampler (the profile's documented alternative).
    """
    text = (ROOT / "profiles" / "slurm" / "config.yaml").read_text()
    edits = [
        ('"EDIT-cpu-partition"', "cpu"),
        ('"EDIT-account"', ACCOUNT),
        ('"EDIT-gpu-partition"', "gpu" if gpu else "cpu"),
        # SWITCH (the line above it says so): the project's environment instead of conda
        ("\nsoftware-deployment-method: conda", "\n"),
    ]
    if not gpu:
        edits.append(("\n    gpu: 1 ", "\n    gpu: 0 "))
    if mpi:
        edits.append(('mpi: "srun --mpi=pmi2"', f"mpi: {mpi}"))
    assert "SWITCH" in text.split("\nsoftware-deployment-method: conda")[0].splitlines()[-3]
    for old, new in edits:
        assert text.count(old) == 1, f"profiles/slurm/config.yaml: {old!r} not there once"
        text = text.replace(old, new)
    directory.mkdir(parents=True)
    (directory / "config.yaml").write_text(text)
    return directory


@dataclass
class Run:
    """One finished snakemake process: where it ran, its exit status, output, wall time."""

    workdir: Path
    returncode: int
    output: str
    seconds: float

    @property
    def results(self) -> Path:
        return self.workdir / "results" / "tiny"


def snakemake(
    workdir: Path,
    *args: str,
    profile: Path,
    env: dict | None = None,
    timeout: float = 1500,
    configfile: Path = TINY,
) -> Run:
    """Run the workflow in ``workdir`` (its output in workdir/snakemake-<n>.out, n = 0, 1, ...);
    no job of the run is left behind, whatever happens."""
    workdir.mkdir(parents=True, exist_ok=True)
    if not (workdir / "config.yaml").exists():  # a user runs it in the checkout
        shutil.copy(ROOT / "config.yaml", workdir)
    cmd = [str(BIN / "snakemake"), "--snakefile", str(ROOT / "workflow" / "Snakefile")]
    cmd += ["--directory", str(workdir), "--profile", str(profile)]
    cmd += ["--slurm-init-seconds-before-status-checks", str(FIRST_STATUS_CHECK)]
    cmd += [f"--configfile={configfile}", *args]  # with `=`: a target after it stays a target
    environ = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **(env or {})}
    log = workdir / f"snakemake-{len(list(workdir.glob('snakemake-*.out')))}.out"
    started = time.perf_counter()
    with open(log, "w") as out:
        process = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env=environ, cwd=workdir
        )
        try:
            returncode = process.wait(timeout=timeout)
        finally:
            stop(process, log)
    return Run(workdir, returncode, log.read_text(), time.perf_counter() - started)


def stop(process: subprocess.Popen, log: Path) -> None:
    """Stop snakemake if it still runs (Ctrl-C: it cancels its jobs), then any leftover job."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    run_id = re.search(r"SLURM run ID: (\S+)", log.read_text())
    if run_id:
        subprocess.run(["scancel", f"--name={run_id[1]}"], check=False)


def wait_for(log: Path, pattern: str, timeout: float) -> re.Match:
    """The first match of ``pattern`` in the growing file ``log``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = re.search(pattern, log.read_text() if log.exists() else "", flags=re.M)
        if match:
            return match
        time.sleep(1)
    raise AssertionError(f"no {pattern!r} in {log} after {timeout} s")


def sbatch_lines(output: str) -> dict[str, str]:
    """The plugin's sbatch call of each rule (its last one), without the per-job parts."""
    lines = {}
    for call in re.findall(r"sbatch call: (sbatch .*?) --wrap=", output):
        rule = re.search(r"--comment '?rule_([a-z_]+?)(?:_wildcards_\S+)?'? ", call)[1]
        call = re.sub(r" --job-name \S+| --output \S+| --comment \S+| -D \S+", "", call)
        lines[rule] = " ".join(call.split())
    return lines


def tables(results: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((results / "tables").glob("*.csv"))}


def slurm_logs(workdir: Path, rule: str) -> list[Path]:
    return sorted((workdir / ".snakemake" / "slurm_logs" / f"rule_{rule}").rglob("*.log"))


# ------------------------------------------------------------------ the tiny DAG


@pytest.fixture(scope="module")
def profile(tmp_path_factory) -> Path:
    return user_profile(tmp_path_factory.mktemp("profile") / "slurm")


@pytest.fixture(scope="module")
def slurm_run(tmp_path_factory, profile) -> Run:
    # --verbose: the plugin then logs each sbatch call
    run = snakemake(tmp_path_factory.mktemp("slurm"), "--verbose", profile=profile)
    assert run.returncode == 0, run.output[-5000:]
    return run


def test_tiny_dag_through_slurm_makes_the_tables_of_a_local_run(tiny_run, slurm_run, measured):
    """tiny_run (conftest): the same configuration through the local profile, once per session."""
    measured(f"tiny DAG, local profile (2 cores): {tiny_run.seconds:.0f} s")
    measured(f"tiny DAG through SLURM: {slurm_run.seconds:.0f} s")
    here, there = tables(slurm_run.results), tables(tiny_run.results)
    assert len(here) >= 10 and here.keys() == there.keys()
    for name, content in here.items():
        assert content == there[name], f"{name} differs from the local run's"
    submitted = re.findall(r"has been submitted with SLURM jobid (\d+)", slurm_run.output)
    assert len(submitted) == 23  # every job but the localrules went through sbatch


def test_dimer_jobs_ran_two_mpi_ranks_through_srun_pmi2(slurm_run):
    assert slurm_run.output.count("srun --mpi=pmi2 -n 2 rsmine simulate dimers") >= 2
    for point in ("T0.5", "Tinf"):
        log = slurm_run.results / "logs" / "simulate_dimers" / "dimers" / f"{point}.log"
        assert "; 2 rank(s), " in log.read_text(), point


def test_sbatch_line_of_every_rule_kind(slurm_run, measured):
    lines = sbatch_lines(slurm_run.output)
    for rule, line in sorted(lines.items()):
        measured(f"{rule}: {line}")
    common = f"sbatch --parsable --export=ALL -A {ACCOUNT} -p cpu"
    assert lines["simulate_dimers"] == (
        f"{common} -t 30 --mem-per-cpu 2000 --nodes=1 --ntasks=2 --cpus-per-task=1"
    )  # tasks: the tiny configuration's simulate: tasks (2), not a number in the profile
    assert lines["optimise"] == f"{common} -t 30 --mem 8000 --ntasks=1 --cpus-per-task=1"
    assert lines["simulate_chipping"] == f"{common} -t 60 --mem 4000 --ntasks=1 --cpus-per-task=1"
    for rule in ("simulate_ising", "aggregate", "coarse_grain", "rotation"):
        assert lines[rule] == f"{common} -t 30 --mem 4000 --ntasks=1 --cpus-per-task=1", rule


def test_a_rerun_has_nothing_to_do(slurm_run, profile):
    run = snakemake(slurm_run.workdir, profile=profile, timeout=300)
    assert run.returncode == 0, run.output[-3000:]
    assert "Nothing to be done" in run.output
    assert "sbatch" not in run.output and "has been submitted" not in run.output


def test_optimise_on_the_gpu_partition_asks_for_one_gpu(slurm_run, tmp_path, measured):
    """The shipped GPU request, on the gpu partition (one GRES gpu, no device: the job
    falls back to the CPU) gives the run store of the CPU job."""
    target = "runs/ising_ferro/TcT0.5/LB1/C1/c0.zarr"
    samples = "samples/ising_ferro/TcT0.5.zarr"
    shutil.copytree(slurm_run.results / samples, tmp_path / "results" / "tiny" / samples)
    profile = user_profile(tmp_path / "profile", gpu=True)
    run = snakemake(tmp_path, "--verbose", f"results/tiny/{target}", profile=profile)
    assert run.returncode == 0, run.output[-3000:]
    line = sbatch_lines(run.output)["optimise"]
    measured(f"optimise on a GPU partition: {line}")
    assert line == (
        f"sbatch --parsable --export=ALL -A {ACCOUNT} -p gpu -t 30 --mem 8000"
        " --cpus-per-gpu=2 --gpus=1"
    )
    ours = zarr.open_group(str(tmp_path / "results" / "tiny" / target), mode="r")
    cpu = zarr.open_group(str(slurm_run.results / target), mode="r")
    np.testing.assert_array_equal(ours["rsmi"][...], cpu["rsmi"][...])
    np.testing.assert_array_equal(ours["filters"][...], cpu["filters"][...])


def test_mpiexec_inside_the_allocation_gives_the_same_store(slurm_run, tmp_path):
    target = "samples/dimers/T0.5.zarr"
    profile = user_profile(tmp_path / "profile", mpi="mpiexec")
    run = snakemake(tmp_path, f"results/tiny/{target}", profile=profile)
    assert run.returncode == 0, run.output[-3000:]
    assert "mpiexec -n 2 rsmine simulate dimers" in run.output
    log = tmp_path / "results" / "tiny" / "logs" / "simulate_dimers" / "dimers" / "T0.5.log"
    assert "; 2 rank(s), " in log.read_text()
    ours = zarr.open_group(str(tmp_path / "results" / "tiny" / target), mode="r")
    pmi2 = zarr.open_group(str(slurm_run.results / target), mode="r")
    np.testing.assert_array_equal(ours["configs"][...], pmi2["configs"][...])


def test_plain_srun_copies_are_refused_naming_the_fix(tmp_path):
    """MpiDefault=none: `srun -n 2` gives MPICH no PMI, so it starts two one-rank jobs."""
    out = tmp_path / "copies.zarr"
    cmd = ["srun", "-A", ACCOUNT, "-p", "cpu", "-n", "2", str(BIN / "rsmine"), "simulate"]
    cmd += ["dimers", "--n", "4", "--T", "1", "--chains", "2", "--sweeps", "5", "--seed", "1"]
    done = subprocess.run([*cmd, "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "started 2 tasks (SLURM_STEP_NUM_TASKS=2)" in done.stderr
    assert "`srun --mpi=pmi2 -n 2`" in done.stderr
    assert not out.exists()


# ------------------------------------------------------------------ failures, cancellations


def test_a_failing_job_is_reported_with_the_log_of_every_attempt(profile, tmp_path):
    """The dimer sampler's test hook makes chain 0 fail: three attempts (retries: 2), each
    attempt's rule log printed before the retry rewrites it, each SLURM log kept."""
    target = "results/tiny/samples/dimers/T0.5.zarr"
    env = {"RSMINE_DIMERS_FAIL_CHAIN": "0"}
    run = snakemake(tmp_path, target, profile=profile, env=env, timeout=600)
    assert run.returncode != 0
    assert "Error in rule simulate_dimers" in run.output
    assert "results/tiny/logs/simulate_dimers/dimers/T0.5.log" in run.output
    assert run.output.count("injected failure at chain 0") >= 3  # one per attempt
    assert len(re.findall(r"Trying to restart job", run.output)) == 2
    logs = slurm_logs(tmp_path, "simulate_dimers")
    assert len(logs) == 3, logs
    for log in logs:
        assert "Error in rule simulate_dimers" in log.read_text(), log
    assert not (tmp_path / target).exists()


def test_a_cancelled_job_is_noticed_within_two_minutes(tmp_path, profile, measured):
    """A long simulate job, cancelled with scancel once it runs (retries 0: a cancel is final)."""
    config = yaml.safe_load(TINY.read_text())
    config["systems"]["ising_ferro"]["simulate"].update(L=128, samples=50000, chains=1)
    configfile = tmp_path / "long.yaml"
    configfile.write_text(yaml.safe_dump(config))
    target = "results/tiny/samples/ising_ferro/TcT1.5.zarr"  # 50000 of 128 x 128: > 1 min
    log = tmp_path / "work" / "snakemake-0.out"
    cancelled = {}

    def cancel_when_running() -> None:
        job = wait_for(log, r"submitted with SLURM jobid (\d+)", 300)[1]
        cancelled["job"] = job
        for _ in range(300):
            state = subprocess.run(
                ["squeue", "-h", "-j", job, "-o", "%T"], capture_output=True, text=True
            ).stdout.strip()
            if state == "RUNNING":
                break
            time.sleep(1)
        cancelled["state"] = state
        time.sleep(5)
        subprocess.run(["scancel", job], check=True)
        cancelled["at"] = time.monotonic()
        wait_for(log, rf"SLURM-job '{job}' failed, SLURM status is: 'CANCELLED'", 240)
        cancelled["noticed"] = time.monotonic() - cancelled["at"]

    thread = threading.Thread(target=cancel_when_running)
    thread.start()
    run = snakemake(
        tmp_path / "work",
        target,
        "--retries",
        "0",
        profile=profile,
        configfile=configfile,
        timeout=420,  # the job alone would run for many minutes
    )
    thread.join()
    assert cancelled.get("state") == "RUNNING", (cancelled, run.output[-3000:])
    assert "noticed" in cancelled, f"scancel of job {cancelled['job']} never reported"
    measured(f"cancelled job {cancelled['job']} noticed after {cancelled['noticed']:.0f} s")
    assert run.returncode != 0
    assert cancelled["noticed"] < 120
    assert not (tmp_path / "work" / target).exists()
