"""Fixtures shared by the test modules."""

import pytest


@pytest.fixture(scope="module")
def one_thread():
    """Small models train fastest on one torch intra-op thread; restores the setting after."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
