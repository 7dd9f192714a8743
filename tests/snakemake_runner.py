"""Running the repository's real Snakemake workflow from the tests (a helper module: the
workflow tests import it by name; no test module imports another)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SNAKEMAKE = BIN / "snakemake"
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


def snakemake(
    workdir: Path,
    *args: str,
    configfile: Path | None = None,
    env: dict | None = None,
    timeout: float = 300,
    replace: bool = True,
) -> subprocess.CompletedProcess:
    """Run snakemake on the repository's workflow in ``workdir``; output captured as text.

    replace=False passes `--configfiles FILE` alone, as a cluster job gets it."""
    cmd = [str(SNAKEMAKE), "--snakefile", str(ROOT / "workflow" / "Snakefile")]
    cmd += ["--directory", str(workdir)]
    configfile = str(configfile or ROOT / "config.yaml")
    cmd += (
        ["--configfile", configfile, "--replace-workflow-config"]
        if replace
        else ["--configfiles", configfile]
    )
    environ = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **(env or {})}
    return subprocess.run(
        [*cmd, *args], capture_output=True, text=True, env=environ, cwd=workdir, timeout=timeout
    )


def job_stats(output: str) -> dict[str, int]:
    """The 'Job stats' table of a snakemake run or dry-run, as rule -> count."""
    table = output[output.index("Job stats:") :].splitlines()[3:]
    stats = {}
    for line in table:
        match = re.fullmatch(r"(\w+)\s+(\d+)", line.strip())
        if not match:
            break
        stats[match[1]] = int(match[2])
    return stats


def planned_wildcards(output: str, rule: str) -> list[dict[str, str]]:
    """Wildcards of every job of ``rule`` in a dry-run listing."""
    jobs = []
    for block in output.split("\nrule ")[1:]:
        if block.startswith(f"{rule}:"):
            line = re.search(r"wildcards: (.*)", block)[1]
            jobs.append(dict(item.split("=", 1) for item in line.split(", ")))
    return jobs


def shell_commands(output: str, rule: str) -> list[list[str]]:
    """The shell command of every job of ``rule`` in the listing of a run or a ``-n -p`` dry-run
    (a run prints its jobs as 'localrule'), split as bash would."""
    return [
        shlex.split(block.split("Shell command: ", 1)[1].splitlines()[0])
        for block in re.split(r"\n(?:local)?rule ", output)[1:]
        if block.startswith(f"{rule}:")
    ]


def write_config(path: Path, config: dict) -> Path:
    path.write_text(yaml.safe_dump(config))
    return path


def load(name: str) -> dict:
    return yaml.safe_load((ROOT / name).read_text())


def schema_errors(config: dict) -> str:
    """The message of validating ``config`` against the workflow's schema ('' if valid)."""
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate

    try:
        validate(config, str(SCHEMA))
    except WorkflowError as exc:
        return str(exc)
    return ""
