"""Fixtures shared by the test modules."""

import pytest
from tiny_dag import TinyRun, run_tiny_dag


@pytest.fixture(scope="module")
def one_thread():
    """Small models train fastest on one torch intra-op thread; restores the setting after."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def refused_simulation(tmp_path, capsys):
    """Run ``rsmine simulate MODEL ARGS`` (``--samples 10`` unless given) and check it is
    refused: exit 2 and nothing left in ``tmp_path``. Returns what it printed on stderr."""
    from rsmine import cli

    def run(model: str, args: list[str]) -> str:
        argv = ["simulate", model, *args, "--seed", "1", "--out", str(tmp_path / "s.zarr")]
        if "--samples" not in args:
            argv += ["--samples", "10"]
        assert cli.main(argv) == 2
        assert list(tmp_path.iterdir()) == []
        return capsys.readouterr().err

    return run


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> TinyRun:
    """The tiny DAG run once with the local profile (tests/tiny_dag.py): the workflow tests
    read it, the real-SLURM tests compare their tables with it."""
    return run_tiny_dag(tmp_path_factory.mktemp("tiny"))


MEASURED: list[str] = []


@pytest.fixture
def measured():
    """``measured(line)``: a measurement (a wall time, an sbatch line) printed in the session's
    summary under "measured", so that the CI log shows it for passing tests too."""
    return MEASURED.append


def pytest_terminal_summary(terminalreporter) -> None:
    if MEASURED:
        terminalreporter.section("measured")
        for line in MEASURED:
            terminalreporter.write_line(line)
