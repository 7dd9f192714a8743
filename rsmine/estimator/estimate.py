"""General held-out mutual-information estimator for paired samples, with the RSMI-NE critics."""

import numpy as np

from rsmine.errors import InputError
from rsmine.estimator.train import TrainConfig, train_batch


def _as_samples(name: str, a: np.ndarray) -> np.ndarray:
    """(n,) or (n, d) finite numbers -> (n, d) float64, else InputError naming ``name``."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[1] == 0:
        raise InputError(f"{name} must be (n,) or (n, d) samples, got shape {a.shape}")
    if not np.isfinite(a).all():
        raise InputError(f"{name} contains non-finite values")
    return a


def _standardise(a: np.ndarray) -> np.ndarray:
    """Zero mean, unit variance per column (MI is invariant under it); float32."""
    scale = a.std(0)
    return ((a - a.mean(0)) / np.where(scale > 0, scale, 1.0)).astype(np.float32)


def estimate_mi(
    x: np.ndarray,
    y: np.ndarray,
    *,
    bound: str = TrainConfig.bound,
    seed: int = 0,
    epochs: int = TrainConfig.epochs,
    patience: int = TrainConfig.patience,
    batch: int = TrainConfig.batch,
    lr: float = TrainConfig.lr,
    hidden: tuple[int, ...] = TrainConfig.hidden,
    embed: int = TrainConfig.embed,
    weight_decay: float = TrainConfig.weight_decay,
    device: str = TrainConfig.device,
) -> float:
    """Held-out lower-bound estimate of I(X:Y) in nats from paired samples.

    x: (n, dx) or (n,), y: (n, dy) or (n,), rows paired. The pairs are split 70/10/20
    (seeded); the separable critic v(x)ᵀu(y) is trained on the first part with early stopping
    on the second, and the bound on the third part is returned. InfoNCE never exceeds
    log(batch). Returns NaN if training diverged (non-finite loss). Training defaults are
    :class:`TrainConfig`'s (epochs 30, patience 5; they were 100 and 10 here before).
    """
    x, y = _as_samples("x", x), _as_samples("y", y)
    if x.shape[0] != y.shape[0]:
        raise InputError(f"x has {x.shape[0]} samples but y has {y.shape[0]}")
    config = TrainConfig(
        epochs=epochs,
        patience=patience,
        batch=batch,
        lr=lr,
        bound=bound,
        embedding="continuous",
        hidden=tuple(hidden),
        embed=embed,
        weight_decay=weight_decay,
        device=device,
    )
    dx = x.shape[1]
    result = train_batch(
        _standardise(x)[:, None, :],
        _standardise(y)[:, None, :],
        components=dx,
        runs=1,
        seed=seed,
        config=config,
        filters=np.eye(dx, dtype=np.float32),
    )
    return float(result.rsmi[0])
