"""Reference coarse variables: a physical filter of V per model, scored beside the learned ones.

For each model a fixed coarse variable H = sign(Λ_ref·(v − μ)) (one sign per filter row) that
physics says carries the relevant information:

- Ising ferromagnet: the block sign (all ones); antiferromagnet (J < 0): the staggered sign;
- dimers (bond grid): the pristine pairs (P1, P2) and (Ex, Ey), and C (DESIGN.md);
- chipping: the block mass (all ones on v − μ: the mass thresholded at its mean);
- any other store: the block sum.

Each is scored (a) by the held-out estimator with Λ fixed (only the critic trains: the same
split, critic and bound as the learned runs) and (b) model-free
(:mod:`rsmine.estimator.plugin`): plug-in MI of H against the signs of its linear least-squares
prediction from E. A learned filter that falls
short of (b) leaves information on the table that a linear read-out of E already finds.
"""

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from rsmine.analysis.dimers.pristine import pristine_vector, to_grid
from rsmine.estimator.plugin import linear_reference
from rsmine.estimator.train.config import TrainConfig
from rsmine.estimator.train.parts import part_rows

if TYPE_CHECKING:
    import pandas as pd

    from rsmine.estimator.regions import Partition, Windows

# scale of a reference filter's unit-norm rows: Λ·(v − μ) far beyond the logistic noise of the
# binary embedding, so that H is the sign itself in training and evaluation alike
SHARP = 1e3
DIMER_REFERENCES = {"P1,P2": ("P1", "P2"), "Ex,Ey": ("Ex", "Ey"), "C": ("C",)}


@dataclass(frozen=True)
class ReferenceScore:
    """One reference's scores in nats: held-out bound with Λ fixed on the test (``rsmi`` ±
    ``rsmi_se``) and validation (``rsmi_val``) parts, and the model-free plug-in ``plugin`` ±
    ``plugin_se``."""

    name: str
    rsmi: float
    rsmi_se: float
    rsmi_val: float
    plugin: float
    plugin_se: float


def reference_filters(
    model: str | None, lattice: str, v_shape: tuple[int, ...], J: float = 1.0
) -> dict[str, np.ndarray]:
    """The reference filters of a system: name -> (F, n_visible) float32 unit-norm rows.

    model: the sampler's name (``ising``, ``dimers``, ``chipping``; anything else: users'
    data); lattice and v_shape: the window's (:class:`rsmine.estimator.regions.Partition`);
    J: the Ising coupling (J < 0: antiferromagnet).
    """
    if lattice == "dimer_grid":
        rows = {
            k: [to_grid(pristine_vector(n, v_shape[0])).ravel() for n in names]
            for k, names in DIMER_REFERENCES.items()
        }
        return {k: _unit(np.stack(r)) for k, r in rows.items()}
    ones = np.ones((1, math.prod(v_shape)))
    if model == "ising" and J < 0:
        parity = np.indices(v_shape).sum(0).ravel() % 2
        return {"staggered sign": _unit(ones * (1 - 2 * parity))}
    name = {"ising": "block sign", "chipping": "block mass"}.get(model or "", "block sum")
    return {name: _unit(ones)}


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


def score_references(
    windows: "Windows",
    filters: dict[str, np.ndarray],
    *,
    seed: int,
    config: TrainConfig,
    mask: np.ndarray | None = None,
) -> list[ReferenceScore]:
    """Score each reference of ``filters`` (name -> (F, n_visible)) on the V and E windows of
    N configurations at O origins (gathered where needed, never all E at once): (a) the
    held-out bound with Λ fixed (binary H, only the critic trains; the split of ``seed`` as in
    :func:`rsmine.estimator.train.train_windows`) and (b) the model-free plug-in on the same
    split's training (fit) and test (score) parts. Arrays v (N, O, n_visible), e (N, O, n_env)
    enter as ``Windows.of_arrays(v, e)``."""
    from rsmine.estimator.train.loop import train_windows

    fixed = replace(config, embedding="binary")
    seeded = np.random.default_rng(np.random.SeedSequence(seed))
    rows = part_rows(windows.n_configs, config.split, seeded)
    v = windows.v[:]  # (N, O, n_visible) float32: V is small
    centre = v[rows["train"]].mean(axis=(0, 1)) if config.centre else np.zeros(v.shape[2])
    out = []
    for name, lam in filters.items():
        lam = lam if mask is None else lam * mask
        result = train_windows(
            windows,
            components=len(lam),
            runs=1,
            seed=seed,
            config=fixed,
            mask=mask,
            filters=SHARP * lam,
        )
        score = (v - centre.astype(np.float32)) @ lam.T
        plugin = linear_reference(score, windows.e, rows, np.random.default_rng(seed))
        out.append(
            ReferenceScore(
                name,
                float(result.rsmi[0]),
                float(result.rsmi_se[0]),
                float(result.rsmi_val[0]),
                plugin.mi,
                plugin.se,
            )
        )
    return out


def scored_references(
    sample_attrs: Mapping[str, Any],
    partition: "Partition",
    windows: "Windows",
    *,
    seed: int,
    config: TrainConfig,
) -> list[dict[str, Any]]:
    """The reference coarse variables of a sample store (its root attrs name the model and J)
    on ``partition``'s window (``windows``: :meth:`Partition.windows` of its configurations),
    scored by :func:`score_references`: the runs store's attr ``references``, {name, rsmi,
    rsmi_se, rsmi_val, plugin, plugin_se} each (nats)."""
    params = sample_attrs.get("params")
    params = params if isinstance(params, Mapping) else {}
    model = sample_attrs.get("model", params.get("model"))
    filters = reference_filters(model, partition.lattice, partition.v_shape, params.get("J", 1.0))
    scores = score_references(windows, filters, seed=seed, config=config, mask=partition.mask)
    return [asdict(s) for s in scores]


def format_references(
    references: list[dict], rsmi: np.ndarray, rsmi_val: np.ndarray, indent: str = "  "
) -> str:
    """Lines for ``rsmine info``: the learned test RSMI of the validation-best run, then each
    stored reference (the runs store's attr ``references``) and learned / reference, in nats.

    rsmi, rsmi_val: (runs,) test and validation estimates (NaN for failed runs).
    """
    ok = np.isfinite(rsmi_val)
    learned = float(rsmi[ok][np.argmax(rsmi_val[ok])]) if ok.any() else math.nan
    lines = [f"{indent}learned (validation-best run, test part): {learned:.4f} nats"]
    for r in references:
        best = max(r["rsmi"], r["plugin"])
        ratio = learned / best if best > 0 else math.nan
        lines.append(
            f"{indent}reference {r['name']}: critic-only {r['rsmi']:.4f} ± {r['rsmi_se']:.4f}, "
            f"model-free {r['plugin']:.4f} ± {r['plugin_se']:.4f} nats; learned / best {ratio:.2f}"
        )
    return "\n".join(lines)


def references_table(paths: list[str]) -> "pd.DataFrame":
    """Learned against references, one row per (runs store, reference): columns samples, lb,
    runs, learned (test RSMI of the validation-best run), reference, critic_only(_se), model_free,
    model_free_se (nats) and ratio = learned / max(critic_only, model_free).

    paths: runs stores written with ``--references true`` (others are refused)."""
    import pandas as pd

    from rsmine import stores
    from rsmine.errors import InputError

    rows = []
    for path in paths:
        group = stores.open_store(path, "runs")
        if "references" not in group.attrs:
            raise InputError(f"{path}: no attr references (optimise it with --references true)")
        rsmi, val = (np.asarray(group[k][...], np.float64) for k in ("rsmi", "rsmi_val"))
        ok = np.isfinite(val)
        learned = float(rsmi[ok][np.argmax(val[ok])]) if ok.any() else math.nan
        params = group.attrs["params"]
        for r in group.attrs["references"]:
            best = max(r["rsmi"], r["plugin"])
            rows.append(
                {
                    "samples": params["samples"],
                    "lb": params["region"]["lb"],
                    "runs": len(rsmi),
                    "learned": learned,
                    "reference": r["name"],
                    "critic_only": r["rsmi"],
                    "critic_only_se": r["rsmi_se"],
                    "model_free": r["plugin"],
                    "model_free_se": r["plugin_se"],
                    "ratio": learned / best if best > 0 else math.nan,
                }
            )
    return pd.DataFrame(rows)
