"""The dimer driver's store layout and its autocorrelation-time estimator."""

from __future__ import annotations

import numpy as np
import pytest

from rsmine.models.dimers import driver
from rsmine.stores import open_store, read_samples


def test_store_layout_and_attrs(tmp_path):
    out = tmp_path / "d.zarr"
    driver.simulate_store(out, n=4, T=float("inf"), chains=3, sweeps=10, thermalise=2, seed=9)
    group = open_store(out, "samples")
    attrs = dict(group.attrs)
    assert attrs["lattice"] == "dimer_grid"
    assert attrs["params"] == {
        "model": "dimers",
        "n": 4,
        "T": "inf",
        "chains": 3,
        "sweeps": 10,
        "subsweeps": 1,
        "thermalise": 2,
        "tables": "minimal-bounce",
    }
    assert attrs["seed"] == {"entropy": 9, "spawn_key": []}
    assert attrs["tables"]["kind"] == "minimal-bounce"
    assert set(attrs["tau_int"]) == {"energy", "D2", "units"}
    assert group["configs"].chunks == (10, 8, 8)  # one chain's samples per chunk
    assert group["configs"].metadata.dimension_names == ("sample", "y", "x")
    for name in ("energy", "Dx", "Dy", "Wx", "Wy", "worm_length", "chain"):
        assert group[name].shape == (30,) and group[name].chunks == (10,)
    assert group["chain_done"][...].all()
    samples = read_samples(out, observables=("chain", "worm_length"))
    assert samples.configs.dtype == np.int8
    assert (samples.observables["worm_length"] >= 1).all()


def test_integrated_autocorrelation_of_an_ar1_process():
    rho, chains, length = 0.8, 64, 4000
    rng = np.random.default_rng(0)
    x = np.empty((chains, length))
    x[:, 0] = rng.normal(size=chains) / np.sqrt(1 - rho**2)
    for t in range(1, length):
        x[:, t] = rho * x[:, t - 1] + rng.normal(size=chains)
    exact = (1 + rho) / (2 * (1 - rho))  # 4.5
    assert driver.integrated_autocorrelation(x) == pytest.approx(exact, rel=0.05)
    white = rng.normal(size=(chains, length))
    assert driver.integrated_autocorrelation(white) == pytest.approx(0.5, abs=0.05)
    assert driver.integrated_autocorrelation(white[:, :5]) is None
