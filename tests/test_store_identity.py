"""Same seeds, same stores: every sampler's store pinned by digests of its arrays and attrs.

The digests were recorded on the code before the samplers were reshaped onto
one driver/writer pattern (issue 11, item 4); a change to any kernel, any
seeding, any parameter record or the store layout changes them. What a digest
covers: every array's dtype, shape, chunks, dimension names and bytes, and the
root attrs less ``created`` and ``rsmine_version``. If a change of the stored
output is intended, regenerate the constants with ``python
tests/test_store_identity.py`` and say why in the commit.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import zarr

from rsmine import cli

BIN = Path(sys.executable).parent
VOLATILE = ("created", "rsmine_version", "integrity")  # integrity: derived from the arrays
COMMON = ["--samples", "40", "--chains", "2", "--seed", "5"]
DIMERS = ["--n", "4", "--T", "0.65", "--chains", "3", "--sweeps", "5", "--thermalise", "2"]
CASES = {
    "ising_wolff": ["ising", "--L", "8", "--T", "2.0", *COMMON],
    "ising_metropolis_afm": ["ising", "--L", "8", "--T", "5.0", "--J", "-1", *COMMON],
    "ising_exact_afm": ["ising", "--L", "8", "--T", "0", "--J", "-1", *COMMON],
    "chipping": ["chipping", "--L", "16", "--w", "0.1", *COMMON],
    "dimers": ["dimers", *DIMERS, "--seed", "5"],
}
DIGESTS = {
    "ising_wolff": {
        "chain": "4b806a67f58f5cdc",
        "configs": "e9653aa175c4c89a",
        "energy": "4cf956ab57286cd6",
        "magnetisation": "1be44b14c3447a0b",
        "attrs": "1590510336a19805",
    },
    "ising_metropolis_afm": {
        "chain": "4b806a67f58f5cdc",
        "configs": "d8a9053d1c18ba78",
        "energy": "9a040c3f93927bf8",
        "magnetisation": "bfc1c7b05a4917ea",
        "attrs": "71f636de883cc545",
    },
    "ising_exact_afm": {
        "chain": "4b806a67f58f5cdc",
        "configs": "bfeeea8a647518e8",
        "energy": "e44988d9a1b429dc",
        "magnetisation": "cf64bac57f3dcfab",
        "attrs": "e968733e98ea6333",
    },
    "chipping": {
        "chain": "4b806a67f58f5cdc",
        "configs": "1cfb9639a78527c6",
        "largest_mass": "5b74ab00ffb9df41",
        "occupied": "a78ef6efa9bbc8bd",
        "slow_mode": "1c080bf6e3fd25f8",
        "attrs": "e0c044f1954d9cfd",
    },
    "dimers": {
        "Dx": "2f775b896b3538ae",
        "Dy": "27c83e425f569cd9",
        "Wx": "24665f259e6fceb9",
        "Wy": "24665f259e6fceb9",
        "chain": "1e876fa650eb01eb",
        "chain_done": "26f568918cafcd92",
        "configs": "283d4ce807eb9c10",
        "energy": "112c704af1b92b87",
        "worm_length": "30243ef3fad96b55",
        "worms_per_subsweep": "27532dced3e5e388",
        "attrs": "b1d8da357c87ac02",
    },
}


def digest(path: Path) -> dict[str, str]:
    """sha256 (first 16 hex digits) of each array (metadata and bytes) and of the root attrs."""
    group = zarr.open_group(str(path), mode="r")
    found = {}
    for name in sorted(group.array_keys()):
        array = group[name]
        meta = [str(array.dtype), array.shape, array.chunks, array.metadata.dimension_names]
        h = hashlib.sha256(json.dumps(meta, default=list).encode())
        h.update(np.ascontiguousarray(array[...]).tobytes())
        found[name] = h.hexdigest()[:16]
    attrs = {k: v for k, v in group.attrs.items() if k not in VOLATILE}
    found["attrs"] = hashlib.sha256(json.dumps(attrs, sort_keys=True).encode()).hexdigest()[:16]
    return found


def simulate(case: str, out: Path) -> Path:
    assert cli.main(["simulate", *CASES[case], "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_seed_same_store(case, tmp_path):
    assert digest(simulate(case, tmp_path / "s.zarr")) == DIGESTS[case]


@pytest.mark.mpi
def test_dimers_on_two_ranks_write_the_pinned_store(tmp_path):
    out = tmp_path / "two.zarr"
    cmd = [str(BIN / "mpiexec"), "-n", "2", str(BIN / "rsmine"), "simulate", *CASES["dimers"]]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}
    result = subprocess.run(
        [*cmd, "--out", str(out)], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert digest(out) == DIGESTS["dimers"]


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        pinned = {case: digest(simulate(case, Path(tmp) / f"{case}.zarr")) for case in CASES}
    print(json.dumps(pinned, indent=4))
