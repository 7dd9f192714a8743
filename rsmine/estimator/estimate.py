"""General held-out mutual-information estimator for paired samples, with the RSMI-NE critics."""

import math
import warnings

import numpy as np

from rsmine.errors import InputError
from rsmine.estimator.train import TrainConfig, train_batch
from rsmine.estimator.train.parts import part_sizes

SPLIT = (0.7, 0.1, 0.2)
# an InfoNCE estimate within this many nats of its ceiling log K is flagged: the test part then
# offers fewer than e^1.5 ≈ 4.5 candidates per distinguishable value, and the bound is loose
CEILING_MARGIN = 1.5


class MIEstimate(float):
    """A held-out estimate of I(X:Y) in nats: the float value is the test-part estimate.

    stderr: its standard error; train, validation, test: the bound on each part (train and
    test with the same number of candidates K); sampled: the training-time minibatch estimate
    on the test part; candidates: K; epochs: epochs trained; best_epoch: the kept one (0-based);
    warning: why the value may be capped (near log K), else None. All in nats.
    """

    stderr: float
    train: float
    validation: float
    test: float
    sampled: float
    candidates: int
    epochs: int
    best_epoch: int
    warning: str | None

    def __new__(cls, test: float, **details: float | int | str | None) -> "MIEstimate":
        self = super().__new__(cls, test)
        self.test = float(test)
        for name, value in details.items():
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        return f"MIEstimate({self.test:.4g} ± {self.stderr:.2g} nats, K = {self.candidates})"


def _as_samples(name: str, a: np.ndarray) -> np.ndarray:
    """(n,) or (n, d) finite numbers -> (n, d) float32, else InputError naming ``name``."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[1] == 0:
        raise InputError(f"{name} must be (n,) or (n, d) samples, got shape {a.shape}")
    if a.shape[0] < a.shape[1]:
        raise InputError(
            f"{name} has {a.shape[0]} rows and {a.shape[1]} columns: rows are samples "
            f"(n, d); pass {name}.T if it holds one sample per column"
        )
    if not np.isfinite(a).all():
        raise InputError(f"{name} contains non-finite values")
    return a.astype(np.float32)


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(f"seed {seed!r}: expected an integer >= 0")
    return int(seed)


def _check_size(n: int, batch: int) -> None:
    """Every part must hold at least one minibatch: name the n that does, and the option."""
    if min(part_sizes(n, SPLIT)) >= batch:
        return
    need = next(m for m in range(n, 100 * batch) if min(part_sizes(m, SPLIT)) >= batch)
    raise InputError(
        f"{n} sample pairs are too few for batch={batch}: the {SPLIT[1]:.0%} validation part "
        f"must hold a minibatch; give at least {need} pairs or lower batch= (to at most "
        f"{min(part_sizes(n, SPLIT))})"
    )


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
    average: float = 0.0,
    device: str = TrainConfig.device,
) -> MIEstimate:
    """Held-out lower-bound estimate of I(X:Y) in nats from paired samples.

    x: (n, dx) or (n,), y: (n, dy) or (n,), rows paired. The pairs are split 70/10/20
    (seeded); both are standardised per column with the first part's statistics; the
    separable critic v(x)ᵀu(y) is trained on the first part (minibatches of ``batch``) with
    early stopping on the second, scored on the whole of it; the bound on the whole third
    part (K = its size, so InfoNCE never exceeds log K) is returned with its standard error
    and diagnostics (:class:`MIEstimate`; ``float()`` gives the estimate). A RuntimeWarning
    is issued when an InfoNCE estimate comes within ``CEILING_MARGIN`` nats of log K. NaN if
    training diverged (non-finite loss). Training defaults are :class:`TrainConfig`'s
    (epochs 30, patience 5; they were 100 and 10 here before), except ``average``: the raw
    parameters are scored (0), as when this estimator was compared on benchmark-mi; a moving
    average lags behind a critic whose scale keeps growing (y = x: no ceiling warning after
    15 epochs with 5).
    """
    x, y = _as_samples("x", x), _as_samples("y", y)
    seed = _check_seed(seed)
    if x.shape[0] != y.shape[0]:
        raise InputError(f"x has {x.shape[0]} samples but y has {y.shape[0]}")
    _check_size(x.shape[0], batch)
    config = TrainConfig(
        epochs=epochs,
        patience=patience,
        batch=batch,
        lr=lr,
        bound=bound,
        split=SPLIT,
        embedding="continuous",
        scale_v=True,  # h = x feeds the critic: standardised like y
        hidden=tuple(hidden),
        embed=embed,
        weight_decay=weight_decay,
        average=average,
        device=device,
    )
    dx = x.shape[1]
    result = train_batch(
        x[:, None, :],
        y[:, None, :],
        components=dx,
        runs=1,
        seed=seed,
        config=config,
        filters=np.eye(dx, dtype=np.float32),
    )
    return _estimate(result, bound)


def _estimate(result, bound: str) -> MIEstimate:
    """The MIEstimate of run 0 of a BatchResult; warns near the ceiling log K."""
    k = result.candidates
    test = float(result.rsmi[0])
    warning = None
    if bound == "infonce" and test > math.log(k) - CEILING_MARGIN:
        warning = (
            f"estimate {test:.3f} nats is within {CEILING_MARGIN:g} nat of the InfoNCE ceiling "
            f"log K = {math.log(k):.3f} (K = {k} test pairs): the true MI may be higher; "
            "give more samples"
        )
        warnings.warn(warning, RuntimeWarning, stacklevel=3)
    return MIEstimate(
        test,
        stderr=float(result.rsmi_se[0]),
        train=float(result.rsmi_train[0]),
        validation=float(result.rsmi_val[0]),
        sampled=float(result.rsmi_sampled[0]),
        candidates=k,
        epochs=int(np.isfinite(result.history[0, :, 1]).sum()),
        best_epoch=int(result.best_epoch[0]),
        warning=warning,
    )
