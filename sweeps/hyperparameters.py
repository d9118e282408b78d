"""Every field of the spec's ``model:`` and ``train:`` sections, declared once.

Each :class:`Field` says its section, its rule (type, default, bounds, allowed values), whether
it is a hyperparameter column of the Parquet files, whether it shapes the traced graph (the
warm-graph key), which family or optimizers take it, when it applies, and how the console
shows it. The spec's rule tables, the Parquet schema, the warm-graph key, the family and
optimizer checks, the console's trial description and the README's field list derive from
:data:`FIELDS`. Adding a hyperparameter is one entry here plus its use in the model or optimizer.

A leaf: it imports only the rule type and the error, so ``analysis`` may read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sweeps.errors import SpecError
from sweeps.results.constants import METRICS
from sweeps.spec.rules import Rule, check_keys, coerce, fail

FAMILIES = ("mlp", "cnn")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "elu", "selu", "gelu", "swish", "leaky_relu", "prelu", "linear")
"""``prelu`` is a PReLU layer (a learned slope per unit); the others are Keras' activation names."""
INITIALIZERS = ("glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal", "lecun_uniform")
OPTIMIZERS = ("sgd", "adagrad", "rmsprop", "adam", "nadam", "adadelta")
"""Keras optimizers a trial can use; which settings each takes is declared on the settings below."""
LOSSES = ("mse", "mae", "huber")
"""Regression losses (Keras' names); classification always uses cross-entropy."""
REGRESSION_LOSS = "mse"
"""``train.loss``'s default for regression."""
SCHEDULES: dict[str, tuple[str, ...]] = {
    "inverse_time": ("decay_rate", "decay_steps"),
    "exponential": ("decay_rate", "decay_steps"),
    "cosine": ("decay_steps",),
    "reduce_on_plateau": ("factor", "patience"),
}
"""``train.lr_schedule`` kinds and the arguments each needs (Keras' names)."""


@dataclass(frozen=True)
class Field:
    """One field of ``model:`` or ``train:``."""

    name: str
    section: str
    rule: Rule
    column: bool = True
    """A hyperparameter: one Parquet column, part of a trial's configuration."""
    graph: bool = True
    """Shapes the traced graph, so it is part of the warm-graph key (when unsure, True: never a wrong reuse)."""
    family: str | None = None
    """The one built-in family that takes it."""
    optimizers: tuple[str, ...] = ()
    """An optimizer setting (Keras' argument name): the optimizers that take it."""
    only_with: tuple[str, Any] | None = None
    """(field, value): it applies only when that field takes that value."""
    label: str | None = None
    """Shown in the console's trial description as ``label=value``; ``""``: the bare value, first; None: not shown."""

    @property
    def python_type(self) -> type:
        return self.rule.kind


_WIDTHS_TEXT = "a non-empty list of layer widths (integers >= 1), like [100, 50]"
_SCHEDULE_ARGS = {
    "decay_rate": Rule(float, low=0.0, low_open=True),
    "decay_steps": Rule(int, low=1),
    "factor": Rule(float, low=0.0, high=1.0, low_open=True, high_open=True),
    "patience": Rule(int, low=0),
}


def _widths(path: str, value: Any) -> list[int]:
    """``model.widths``: a list of ints (a plain list, so Tune configs and YAML keep it as written)."""
    if not isinstance(value, list) or not value or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value):
        raise fail(path, _WIDTHS_TEXT, value)
    return list(value)


def _lr_schedule(path: str, value: Any) -> dict[str, dict[str, Any]]:
    """``train.lr_schedule``: ``{kind: {arg: value, ...}}`` with exactly the arguments the kind takes."""
    if not isinstance(value, Mapping) or len(value) != 1 or next(iter(value)) not in SCHEDULES:
        raise SpecError(f"{path} must be one of {', '.join(f'{{{k}: {{...}}}}' for k in SCHEDULES)}, got {value!r}")
    (kind, args), = value.items()
    where = f"{path}.{kind}"
    if not isinstance(args, Mapping):
        raise SpecError(f"{where} must be a mapping of {', '.join(SCHEDULES[kind])}, got {args!r}")
    check_keys(where, args, SCHEDULES[kind])
    for name in SCHEDULES[kind]:
        if name not in args:
            raise SpecError(f"{where}.{name} is required ({_SCHEDULE_ARGS[name].describe()})")
    return {kind: {name: coerce(f"{where}.{name}", _SCHEDULE_ARGS[name], args[name]) for name in SCHEDULES[kind]}}


def _searchable(kind: type, default: Any = None, **rule: Any) -> Rule:
    return Rule(kind, default, searchable=True, **rule)


_FRACTION = dict(low=0.0, high=1.0, high_open=True)
_POSITIVE = dict(low=0.0, low_open=True)

EARLY_STOPPING_RULES = {
    "monitor": Rule(str, "val_loss", allowed=METRICS),
    "patience": Rule(int, 3, low=0),
    "min_delta": Rule(float, 0.0, low=0.0),
    "restore_best_weights": Rule(bool, True),
}

_DECLARED = (
    Field("family", "model", Rule(str, "mlp", allowed=FAMILIES)),
    Field("width", "model", _searchable(int, 32, low=1), family="mlp", label="width"),
    Field("depth", "model", _searchable(int, 1, low=1), family="mlp", label="depth"),
    Field("filters", "model", _searchable(int, 16, low=1), family="cnn", label="filters"),
    Field("dense_units", "model", _searchable(int, 128, low=1), family="cnn", label="dense_units"),
    Field("activation", "model", _searchable(str, "relu", allowed=ACTIVATIONS)),
    Field("dropout", "model", _searchable(float, 0.0, **_FRACTION), label="dropout"),
    Field("widths", "model", _searchable(list, parse=_widths, text=_WIDTHS_TEXT), family="mlp"),
    Field("kernel_initializer", "model", _searchable(str, "glorot_uniform", allowed=INITIALIZERS)),
    Field("l1", "model", _searchable(float, low=0.0)),
    Field("l2", "model", _searchable(float, low=0.0)),
    Field("batch_norm", "model", _searchable(bool, False)),
    Field("negative_slope", "model", _searchable(float, low=0.0), only_with=("activation", "leaky_relu")),
    Field("optimizer", "train", _searchable(str, "adam", allowed=OPTIMIZERS), label=""),
    Field("learning_rate", "train", _searchable(float, 0.001, **_POSITIVE), graph=False, label="lr"),
    Field("batch_size", "train", _searchable(int, 32, low=1), graph=False, label="batch_size"),
    Field("max_epochs", "train", Rule(int, 30, low=1), column=False, graph=False),
    Field("early_stopping", "train", Rule(dict, fields=EARLY_STOPPING_RULES), column=False, graph=False),
    Field("momentum", "train", _searchable(float, **_FRACTION), optimizers=("sgd", "rmsprop")),
    Field("nesterov", "train", _searchable(bool), optimizers=("sgd",)),
    Field("rho", "train", _searchable(float, low=0.0, high=1.0, low_open=True), optimizers=("rmsprop", "adadelta")),
    Field("beta_1", "train", _searchable(float, **_FRACTION), optimizers=("adam", "nadam")),
    Field("beta_2", "train", _searchable(float, **_FRACTION), optimizers=("adam", "nadam")),
    Field("epsilon", "train", _searchable(float, **_POSITIVE), optimizers=tuple(o for o in OPTIMIZERS if o != "sgd")),
    Field("clipnorm", "train", _searchable(float, **_POSITIVE), optimizers=OPTIMIZERS),
    Field("lr_schedule", "train", _searchable(
        dict, parse=_lr_schedule, text="{inverse_time|exponential: {decay_rate, decay_steps}}, {cosine: {decay_steps}} "
                                       "or {reduce_on_plateau: {factor, patience}}"), graph=False),
    Field("loss", "train", Rule(str, None, allowed=LOSSES, nullable=True), column=False, graph=False),
)
"""``graph=False`` above: the learning rate is assigned to a reused optimizer; the batch size is a
dimension the traced step leaves open; a schedule object is never reused (see ``trial.warm``)."""

FIELDS: dict[str, Field] = {f.name: f for f in _DECLARED}
"""Every model and train field by name, in spec order (which is also the order grid axes expand in)."""


def rules(section: str) -> dict[str, Rule]:
    """The rule table of ``model`` or ``train``, in spec order."""
    return {f.name: f.rule for f in _DECLARED if f.section == section}


HYPERPARAMETERS: tuple[str, ...] = tuple(f.name for f in _DECLARED if f.column)
"""The built-in hyperparameter columns, in spec order."""
GRAPH_KEYS: tuple[str, ...] = tuple(f.name for f in _DECLARED if f.column and f.graph)
"""The hyperparameters a traced graph depends on: equal values (and data shapes) may share one."""
FAMILY_FIELDS: dict[str, tuple[str, ...]] = {
    family: tuple(f.name for f in _DECLARED if f.family == family) for family in FAMILIES}
"""Architecture fields that only one family uses."""
OPTIMIZER_SETTINGS: dict[str, tuple[str, ...]] = {
    optimizer: tuple(f.name for f in _DECLARED if optimizer in f.optimizers) for optimizer in OPTIMIZERS}
"""The settings each optimizer takes besides learning_rate (Keras' argument names)."""
SHOWN: tuple[str, ...] = tuple(f.name for f in _DECLARED if f.label is not None)
"""Hyperparameters the console's one-line trial description names."""


def applies(name: str, values: Mapping[str, Any]) -> bool:
    """Whether ``name`` applies beside ``values`` (True when the field its condition names is absent)."""
    field = FIELDS.get(name)
    if field is None or field.only_with is None:
        return True
    other, wanted = field.only_with
    return values.get(other, wanted) == wanted

