"""Replica groups trained side by side on a CPU's cores, one thread each.

A batch of R replicas runs as one batched model; on a CPU its intra-op threads divide the big
first-layer products well and everything else (the critic's small batched products, the
bound's softmax, the fused Adam, the gathers) poorly. Instead, :class:`Groups` splits the
batch into G contiguous groups (G = torch's intra-op threads, at most R / GROUP_MIN) whose
epochs run in G Python threads with one intra-op thread each (torch releases the GIL inside
its kernels), then joins them again, so everything between epochs (early stopping,
restarts, checkpoints) sees one batch. Replica k is seeded from (seed, k) alone and the
minibatch order is drawn once for all groups, so a replica trains as it would in one batch,
up to the rounding of batched products that any batch size gives (~1e-7 per step;
tests/test_groups.py). On other devices: one group. Table II setting, R = 64, 2 cores:
benchmarks/RESULTS.md "Replica groups".
"""

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import torch

from rsmine.estimator.train.replicas import Replicas

# replicas per group at least: with fewer a step is mostly the ~50 operations' dispatch,
# which holds the GIL (Table II setting, 2 threads, 6 epochs: R = 8 as two groups of 4 3.0 s
# vs one batch 2.4 s; R = 16 as two groups of 8 4.1 s vs 4.6 s; benchmarks/RESULTS.md)
GROUP_MIN = 8

Work = Callable[[Replicas], tuple[torch.Tensor, ...]]


class Groups:
    """How a batch's epochs are divided over threads: ``count`` groups on ``pool``."""

    def __init__(self, count: int, pool: ThreadPoolExecutor | None = None) -> None:
        self.count = count
        self.pool = pool

    def map(self, state: Replicas, work: Work) -> tuple[Replicas, tuple[torch.Tensor, ...]]:
        """``work`` on each group of ``state``: returns the joined state and ``work``'s
        per-replica outputs ((r,) tensors per group) concatenated in replica order."""
        if self.count == 1 or len(state.ids) == 1:
            return state, work(state)
        groups = state.split(self.count)
        outputs = list(self.pool.map(work, groups))
        return Replicas.join(groups), tuple(torch.cat(out) for out in zip(*outputs, strict=True))


@contextmanager
def groups_for(device: torch.device, runs: int) -> Iterator[Groups]:
    """The groups of a batch of ``runs`` replicas on ``device``: on a CPU one per intra-op
    thread, at most ``runs`` // GROUP_MIN (torch's intra-op threads set to 1 meanwhile,
    restored after), else one."""
    threads = torch.get_num_threads()
    count = max(1, min(threads, runs // GROUP_MIN)) if device.type == "cpu" else 1
    if count == 1:
        yield Groups(1)
        return
    torch.set_num_threads(1)
    pool = ThreadPoolExecutor(max_workers=count)
    try:
        yield Groups(count, pool)
    except BaseException:  # an error or an interrupt: do not wait for the other groups' epochs
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        pool.shutdown()
    finally:
        torch.set_num_threads(threads)
