"""The training options: one declaration (:class:`TrainConfig` fields with their :class:`Option`),
their validation, and the device they name.

Imports no torch, so that the command line can build its flags from it quickly.
"""

import numbers
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from rsmine.errors import InputError

if TYPE_CHECKING:
    import torch

    from rsmine.estimator import coarse, critics

DEVICES = ("cpu", "cuda", "auto")
# names of rsmine.estimator.bounds.BOUNDS and rsmine.estimator.coarse.EMBEDDINGS (test_train
# checks that they agree); declared here so that the options need no torch
BOUND_NAMES = ("infonce", "nwj", "tuba", "dv")
EMBEDDING_NAMES = ("binary", "categorical", "continuous")
# Λ's Adam update (rsmine.estimator.train.adam): one second moment per filter, or per weight
LAMBDA_OPTIMISERS = ("filterwise", "coordinate")


@dataclass(frozen=True)
class Option:
    """How one option is declared to its users, the single source of the ``rsmine optimise``
    flag (its help, choices and value type), of ``optimise_store``'s keyword and of the
    workflow schema's ``train`` property.

    help: one line for ``--help`` and the schema's description; schema: the JSON schema of a
    given value (type, minimum, enum, items); the command line parses by its ``type``.
    """

    help: str
    schema: dict[str, Any]

    @property
    def choices(self) -> tuple[Any, ...] | None:
        return tuple(self.schema["enum"]) if "enum" in self.schema else None


def option(default: Any, help: str, **schema: Any) -> Any:
    """A TrainConfig field with its :class:`Option` (``schema`` as keyword arguments)."""
    return field(default=default, metadata={"option": Option(help, schema)})


def _positive(kind: str) -> dict[str, Any]:
    return (
        {"type": kind, "exclusiveMinimum": 0} if kind == "number" else {"type": kind, "minimum": 1}
    )


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings; defaults from the paper's Tables I-II (2D Ising) unless noted.

    Each field's :class:`Option` (``fields(TrainConfig)[i].metadata["option"]``) says what it
    means; in short: epochs, patience, the warm-up before early stopping counts, the restarts
    of runs still on the plateau after it (:mod:`rsmine.estimator.train.restart`), batch K,
    Adam lr, Λ's Adam update and initial scale, the bound, the train/val/test split, the
    embedding τ (binary | categorical with q ``states`` | continuous) and its annealing
    Eq. (B9), the critic widths, weight decay, optional halting Eqs. (B10)-(B11), L-BFGS steps
    Eq. (B12), the device, centring and standardisation
    (:mod:`rsmine.estimator.train.standardise`): Λ acts on (v − μ)/σ, μ (``centre``) and σ
    (``scale_v``) (n_visible,) the training part's mean and standard deviation of each
    visible site, and the critic sees E standardised per site (``standardise``) or whitened
    with the training part's covariance (``whiten``). Centring
    deviates from the paper's Λ·v: without it a filter of one sign on non-negative variables
    (masses, dimer occupations) gives a constant H and no information; on symmetric spins
    μ ≈ 0, σ ≈ 1 and nothing changes.
    """

    epochs: int = option(30, "maximum epochs", **_positive("integer"))
    patience: int = option(
        5,
        "epochs without a better validation estimate before a run stops (0: never)",
        type="integer",
        minimum=0,
    )
    warmup: int = option(
        10,
        "epochs before early stopping starts counting: runs still on the initial plateau "
        "are not given up (patience and halting count from here)",
        type="integer",
        minimum=0,
    )
    restarts: int = option(
        2,
        "times a run still on the initial plateau at the end of its warm-up (best validation "
        "estimate within 2 standard errors of 0, or below 1e-3 nats) starts again from new "
        "initial filters and critic, drawn from its own seed (0: never)",
        type="integer",
        minimum=0,
    )
    batch: int = option(
        100, "minibatch size K (InfoNCE never exceeds log K)", type="integer", minimum=2
    )
    lr: float = option(5e-3, "Adam learning rate of filters and critic", **_positive("number"))
    lambda_optimiser: str = option(
        "filterwise",
        "Adam update of the filters: filterwise (one second moment per filter, fair to "
        "rotations of the weights) or coordinate (per weight, the paper's; biases filters "
        "towards the diagonals of planes on disjoint supports)",
        type="string",
        enum=list(LAMBDA_OPTIMISERS),
    )
    init_scale: float = option(
        1.0,
        "initial filters scaled so that their outputs on the centred inputs have this standard "
        "deviation on the training part (0: uniform within 1/sqrt(free weights), the paper's, "
        "whatever the inputs' scale)",
        type="number",
        minimum=0,
    )
    bound: str = option(
        "infonce", "variational lower bound on I(H:E)", type="string", enum=list(BOUND_NAMES)
    )
    split: tuple[float, float, float] = option(
        (0.7, 0.1, 0.2),
        "training, validation and test fractions of the configurations",
        type="array",
        minItems=3,
        maxItems=3,
        items={"type": "number", "exclusiveMinimum": 0},
    )
    val_origins: int = option(
        2,
        "V origins per configuration that validation scores every epoch (fixed, balanced over "
        "the origins; 0: all): fewer is cheaper, all picks the epoch most precisely",
        type="integer",
        minimum=0,
    )
    embedding: str = option(
        "binary", "coarse-grained variable H", type="string", enum=list(EMBEDDING_NAMES)
    )
    states: int = option(2, "states q of the categorical embedding", type="integer", minimum=2)
    tau_max: float = option(
        0.5, "initial Gumbel-softmax temperature, Eq. (B9)", **_positive("number")
    )
    tau_min: float = option(0.1, "final Gumbel-softmax temperature", **_positive("number"))
    anneal_rate: float = option(
        5e-3, "annealing rate r per optimisation step", type="number", minimum=0
    )
    hidden: tuple[int, ...] = option(
        (32, 32),
        "hidden layer widths of both critic networks",
        type="array",
        items=_positive("integer"),
    )
    embed: int = option(8, "embedding dimension of the separable critic", **_positive("integer"))
    weight_decay: float = option(
        0.0, "decoupled weight decay of the critic", type="number", minimum=0
    )
    halt_delta: float | None = option(
        None, "halt when the smoothed validation gain drops below this, Eq. (B10)", type="number"
    )
    halt_alpha: float = option(
        1.0,
        "smoothing of the validation estimate for halting, Eq. (B11)",
        type="number",
        exclusiveMinimum=0,
        maximum=1,
    )
    average: float = option(
        5.0,
        "horizon, in epochs, of the moving average of the parameters (filters and critic) that "
        "validation scores and early stopping keeps: the parameters themselves through the "
        "warm-up, their running mean after it, then an exponential average over this many "
        "epochs; 0: the raw parameters, as in the paper",
        type="number",
        minimum=0,
    )
    lbfgs_steps: int = option(
        0,
        "L-BFGS steps refining the filters with the critic frozen, Eq. (B12)",
        type="integer",
        minimum=0,
    )
    device: str = option("cpu", "where to train", type="string", enum=list(DEVICES))
    centre: bool = option(
        True,
        "filters act on v minus its training-part mean, H = tau(Lambda.(v - mu)): a deviation "
        "from the paper's tau(Lambda.v), needed for 0/1 variables (off: the paper's rule)",
        type="boolean",
    )
    standardise: bool = option(
        True,
        "the critic's input E centred and scaled per site with training-part statistics "
        "(off: raw E, as in the paper)",
        type="boolean",
    )
    whiten: bool = option(
        False,
        "the critic's input E whitened with the training part's covariance (after centring; "
        "ridge 1e-3 of the mean eigenvalue): a direction of small variance that carries the "
        "information, e.g. the total mass of a conserved quantity, reaches the critic on the "
        "scale of the others",
        type="boolean",
    )
    scale_v: bool = option(
        False,
        "filters act on v divided by its training-part standard deviation per site (lifts "
        "dimer RSMI; shrinks the logits of heavy-tailed masses, so off elsewhere)",
        type="boolean",
    )

    def __post_init__(self) -> None:
        _check_config(self)

    @property
    def annealing(self) -> "coarse.Annealing":
        from rsmine.estimator import coarse

        return coarse.Annealing(self.tau_max, self.tau_min, self.anneal_rate)

    @property
    def critic(self) -> "critics.CriticShape":
        from rsmine.estimator import critics

        return critics.CriticShape(tuple(self.hidden), self.embed)


def _check_config(c: TrainConfig) -> None:
    """Each field against its declared :class:`Option` schema, then the constraints between
    fields that no single declaration states."""
    if len(c.split) != 3 or min(c.split) <= 0 or abs(sum(c.split) - 1.0) > 1e-6:
        raise InputError(f"split must be three positive fractions summing to 1, got {c.split}")
    for f in fields(TrainConfig):
        value = getattr(c, f.name)
        if not (value is None and f.default is None):
            check_option(f.name, value, f.metadata["option"].schema)
    if c.tau_min > c.tau_max:
        raise InputError(f"annealing needs tau_min <= tau_max, got {c.tau_min} > {c.tau_max}")


_TYPES: dict[str, Any] = {
    "integer": numbers.Integral,
    "number": numbers.Real,
    "string": str,
    "boolean": bool,
    "array": (list, tuple),
}


def check_option(name: str, value: Any, schema: dict[str, Any]) -> None:
    """Raise InputError naming ``name`` unless ``value`` satisfies its declared JSON
    ``schema`` (the subset options use: type, minimum, exclusiveMinimum, maximum, enum,
    const, anyOf, minItems, maxItems, items)."""
    if "anyOf" in schema:
        for option in schema["anyOf"]:
            try:
                return check_option(name, value, option)
            except InputError:
                continue
        raise InputError(f"{name} {value!r} matches none of {schema['anyOf']}")
    if "const" in schema and value != schema["const"]:
        raise InputError(f"{name} must be {schema['const']!r}, got {value!r}")
    kind = schema.get("type")
    wrong_bool = isinstance(value, bool) and kind in ("integer", "number")
    if kind and (wrong_bool or not isinstance(value, _TYPES[kind])):
        raise InputError(f"{name} must be of type {kind}, got {value!r}")
    if "enum" in schema and value not in schema["enum"]:
        raise InputError(f"{name} {value!r} is not one of {', '.join(map(str, schema['enum']))}")
    if "minimum" in schema and not value >= schema["minimum"]:
        raise InputError(f"{name} must be >= {schema['minimum']}, got {value}")
    if "exclusiveMinimum" in schema and not value > schema["exclusiveMinimum"]:
        raise InputError(f"{name} must be > {schema['exclusiveMinimum']}, got {value}")
    if "maximum" in schema and not value <= schema["maximum"]:
        raise InputError(f"{name} must be <= {schema['maximum']}, got {value}")
    if kind == "array":
        low, high = schema.get("minItems", 0), schema.get("maxItems", len(value))
        if not low <= len(value) <= high:
            raise InputError(f"{name} must hold {low} to {high} values, got {value!r}")
        for i, item in enumerate(value):
            check_option(f"{name}[{i}]", item, schema["items"])
    return None


def resolve_device(name: str) -> "torch.device":
    """cpu | cuda | auto -> torch.device; InputError if cuda is asked for but absent."""
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError("device 'cuda' requested but torch sees no CUDA device")
    return torch.device(name)


# origins "auto": on a periodic, translation-invariant lattice, enough V origins that the
# training part holds EXAMPLES_PER_PARAMETER examples (configuration x origin) per critic
# parameter, so the critic cannot memorise them. Measured at Tc (64x64 Ising, lv 4, lb 4,
# le 10: 14 000 training configurations, 30 896 critic parameters; benchmarks/RESULTS.md):
# 0.45 examples per parameter (1 origin) memorise, test 0.37 nats below the block-sign 0.39;
# 1.8 (4 origins) 0.383-0.392; 3.6 (8) 0.394-0.397; 7.2 (16) 0.396-0.398.
EXAMPLES_PER_PARAMETER = 4
MAX_AUTO_ORIGINS = 16
ORIGINS = Option(
    "V origins per configuration: translations of the window that multiply the training "
    "examples so that the critic cannot memorise them; auto: on a store of a periodic, "
    "translation-invariant lattice (written by rsmine's samplers, or with attr periodic: "
    f"true) enough for {EXAMPLES_PER_PARAMETER} examples per critic parameter (at most "
    f"{MAX_AUTO_ORIGINS}), else 1",
    {"anyOf": [{"type": "integer", "minimum": 1}, {"const": "auto"}]},
)
REFERENCES = Option(
    "also score the model's reference coarse variables (block sign, pristine dimer pairs, "
    "block mass, block sum) with the critic alone and model-free, stored in the runs store's "
    "attr references",
    {"type": "boolean"},
)
# where the optimise driver's defaults differ from TrainConfig's
_DRIVER_DEFAULTS = {"origins": "auto", "device": "auto", "references": False}


def options() -> dict[str, tuple[Any, Option]]:
    """The options of an optimisation beyond the window, the runs and the seed: name ->
    (default, Option), the V origins, every TrainConfig field (device: auto), then the
    references.

    The one declaration behind ``rsmine optimise``'s flags, ``optimise_store``'s keywords,
    the workflow's ``optimise_args`` and the schema's ``train`` block.
    """
    declared = {"origins": (None, ORIGINS)}
    declared |= {f.name: (f.default, f.metadata["option"]) for f in fields(TrainConfig)}
    declared["references"] = (None, REFERENCES)
    return {k: (_DRIVER_DEFAULTS.get(k, d), o) for k, (d, o) in declared.items()}
