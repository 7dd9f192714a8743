"""Model-free mutual information of discrete variables: plug-in with the Miller–Madow correction,
and the reference of a fixed coarse variable against a linear statistic of the environment.

The reference (issue 17, item 6 b) needs no network: a coarse variable H of V (the signs of
fixed filters, Λ·(v − μ)) is predicted from E by linear least squares fitted on the training
part and cut where the training part's share of H = −1 lies; on the test part the plug-in MI
of (H, Ĥ) is a lower bound on I(H:E) (data processing), up to its estimation error. Its standard
error is a bootstrap over configurations (origins of one configuration stay together).
A coarse variable of a score (e.g. a block mass, or its sign) is read by
:func:`binned_reference`: the score predicted linearly, the prediction cut into quantile
bins, so that a many-valued statistic of E is not reduced to one bit.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from rsmine.errors import InputError

if TYPE_CHECKING:
    from rsmine.estimator.regions import WindowArray

BOOTSTRAP = 200
CHUNK = 2000  # configurations per block of the normal equations


@dataclass(frozen=True)
class PluginEstimate:
    """A plug-in MI in nats with its bootstrap standard error, and the pairs it counted."""

    mi: float
    se: float
    n: int


def labels(columns: np.ndarray) -> np.ndarray:
    """Integer label of each row's joint value: (n, d) discrete -> (n,) int64 in [0, #distinct)."""
    return np.unique(np.asarray(columns).reshape(len(columns), -1), axis=0, return_inverse=True)[
        1
    ].reshape(-1)


def entropy_mm(counts: np.ndarray) -> float:
    """Miller–Madow entropy in nats of the counts (any shape): plug-in + (occupied − 1) / 2n."""
    c = np.asarray(counts, dtype=np.float64).ravel()
    c = c[c > 0]
    n = c.sum()
    return float(-(c / n * np.log(c / n)).sum() + (c.size - 1) / (2.0 * n))


def plugin_mi(a: np.ndarray, b: np.ndarray) -> float:
    """Miller–Madow plug-in I(A:B) in nats of paired integer labels a, b (n,)."""
    _, ia = np.unique(a, return_inverse=True)
    _, ib = np.unique(b, return_inverse=True)
    joint = np.zeros((ia.max() + 1, ib.max() + 1))
    np.add.at(joint, (ia, ib), 1.0)
    return entropy_mm(joint.sum(1)) + entropy_mm(joint.sum(0)) - entropy_mm(joint)


def plugin_estimate(
    a: np.ndarray, b: np.ndarray, rng: np.random.Generator, groups: np.ndarray | None = None
) -> PluginEstimate:
    """:func:`plugin_mi` of labels a, b (n,) with a bootstrap SE over ``groups`` (n,) int
    (pairs of one group resampled together; None: every pair its own group)."""
    a, b = np.asarray(a).ravel(), np.asarray(b).ravel()
    if a.shape != b.shape or a.size < 2:
        raise InputError(f"paired labels must have one equal length >= 2, got {a.shape}, {b.shape}")
    groups = np.arange(a.size) if groups is None else np.asarray(groups).ravel()
    _, g = np.unique(groups, return_inverse=True)
    members = np.split(np.argsort(g, kind="stable"), np.cumsum(np.bincount(g))[:-1])
    draws = []
    for _ in range(BOOTSTRAP):
        pick = np.concatenate([members[i] for i in rng.integers(len(members), size=len(members))])
        draws.append(plugin_mi(a[pick], b[pick]))
    return PluginEstimate(plugin_mi(a, b), float(np.std(draws, ddof=1)), int(a.size))


def linear_reference(
    h_score: np.ndarray,
    e: "np.ndarray | WindowArray",
    rows: dict[str, np.ndarray],
    rng: np.random.Generator,
) -> PluginEstimate:
    """Model-free reference of the coarse variable sign(h_score) against E's linear prediction.

    h_score: (N, O, F) the fixed filters' outputs Λ·(v − μ) per configuration and origin;
    e: (N, O, n_env), an array or windows read on demand (indexed CHUNK configurations at a
    time); rows: configuration indices of the "train" and "test" parts. The least
    squares prediction of sign(h_score) from (1, e) is fitted on the training part and cut,
    per component, at the quantile that the training part's share of H = -1 gives; H and the
    cut prediction are compared on the test part. Returns the plug-in MI in nats.
    """
    if h_score.shape[:2] != e.shape[:2]:
        raise InputError(f"h_score {h_score.shape} and e {e.shape} disagree on (N, O)")
    h = np.where(h_score >= 0, 1.0, -1.0)
    coef = _fit(e, rows["train"], h)
    # the prediction cut where the training part's share of H = -1 lies (sign(prediction)
    # when H is balanced; an unbalanced H, e.g. a heavy-tailed block mass, keeps both states)
    fitted = _predict(e, rows["train"], coef)
    train_h = h[rows["train"]].reshape(-1, h.shape[-1])
    cut = [np.quantile(fitted[:, f], (train_h[:, f] < 0).mean()) for f in range(h.shape[-1])]
    predicted = _predict(e, rows["test"], coef) >= np.asarray(cut)
    test_h = h[rows["test"]].reshape(-1, h.shape[-1]) > 0
    groups = np.repeat(np.arange(len(rows["test"])), e.shape[1])
    return plugin_estimate(labels(test_h), labels(predicted), rng, groups)


def binned_reference(
    h_score: np.ndarray,
    e: np.ndarray,
    rows: dict[str, np.ndarray],
    rng: np.random.Generator,
    bins: int = 16,
) -> dict[str, PluginEstimate]:
    """Model-free references of two coarse variables of the score h_score against E.

    h_score: (N, O) a score per configuration and origin (e.g. the block mass); e: (N, O,
    n_env); rows: configuration indices of the "train" and "test" parts. The score is
    predicted from (1, e) by least squares fitted once on the training part and the
    prediction cut into ``bins`` quantile bins of the training part; H is the score cut the
    same way ("continuous"; tied values share a bin, so a discrete score keeps its own levels)
    or at its training-part mean ("binary", [h_score >= mean]). The plug-in MI of H and the
    prediction's bin on the test part, in nats, is a lower bound on I(H : E) up to its
    estimation error (Miller–Madow removes the first-order bias only: with test pairs not
    well above ``bins``², e.g. a few hundred, it reads high). Returns {"binary": …,
    "continuous": …}, the standard errors from one bootstrap stream of ``rng`` each in turn.
    """
    if h_score.shape != e.shape[:2] or bins < 2:
        raise InputError(f"h_score {h_score.shape} must be e's (N, O) {e.shape[:2]}; bins >= 2")
    h = h_score.astype(np.float64)
    coef = _fit(e, rows["train"], h[..., None])[:, 0]
    levels = np.linspace(0, 1, bins + 1)[1:-1]
    test_h = h[rows["test"]].reshape(-1)
    p_edges = np.unique(np.quantile(_predict(e, rows["train"], coef), levels))
    b = np.searchsorted(p_edges, _predict(e, rows["test"], coef), side="right")
    groups = np.repeat(np.arange(len(rows["test"])), e.shape[1])
    h_edges = np.unique(np.quantile(h[rows["train"]], levels))
    forms = {
        "binary": (test_h >= h[rows["train"]].mean()).astype(np.int64),
        "continuous": np.searchsorted(h_edges, test_h, "right"),
    }
    return {name: plugin_estimate(a, b, rng, groups) for name, a in forms.items()}


def _fit(e: "np.ndarray | WindowArray", train: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Least squares coefficients (1 + n_env, T) of target (N, O, T) on (1, e), over the
    configurations ``train``, from normal equations accumulated CHUNK configurations at a time."""
    gram, moment = 0.0, 0.0
    for chunk in np.array_split(train, max(1, len(train) // CHUNK)):
        x = _design(e[chunk])
        gram = gram + x.T @ x
        moment = moment + x.T @ target[chunk].reshape(-1, target.shape[-1])
    return np.linalg.lstsq(gram, moment, rcond=None)[0]


def _predict(e: "np.ndarray | WindowArray", members: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """The linear prediction (1, e) @ coef of the configurations ``members`` (m,), CHUNK at a
    time: (m·O, F) float64."""
    chunks = range(0, len(members), CHUNK)
    return np.concatenate([_design(e[members[a : a + CHUNK]]) @ coef for a in chunks])


def _design(e: np.ndarray) -> np.ndarray:
    """(m, O, n_env) -> (m·O, 1 + n_env) float64: an intercept column, then e."""
    x = e.reshape(-1, e.shape[-1]).astype(np.float64)
    return np.concatenate([np.ones((len(x), 1)), x], axis=1)
