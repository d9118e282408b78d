"""Optimizer name + settings -> a fresh Keras optimizer, one per trial.

A fresh object per trial is the point: an optimizer built once and shared (as in the
course assignment) silently ignores every searched value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sweeps.hyperparameters import OPTIMIZER_SETTINGS, OPTIMIZERS

CALLBACK_SCHEDULES = ("reduce_on_plateau",)
"""Schedules that are a Keras callback in ``fit``, not a ``keras.optimizers.schedules`` object."""

_SCHEDULE_CLASSES = {"inverse_time": "InverseTimeDecay", "exponential": "ExponentialDecay", "cosine": "CosineDecay"}


_KERAS_CLASSES = {
    "sgd": "SGD",
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
    "adam": "Adam",
    "nadam": "Nadam",
    "adadelta": "Adadelta",
}


def applicable_settings(optimizer: str, hyperparameters: Mapping[str, Any]) -> dict[str, Any]:
    """The settings in ``hyperparameters`` that ``optimizer`` takes and that are set."""
    return {k: hyperparameters[k] for k in OPTIMIZER_SETTINGS[optimizer] if hyperparameters.get(k) is not None}


def schedule_object(schedule: Mapping[str, Mapping[str, Any]] | None) -> bool:
    """Whether ``schedule`` makes the learning rate a schedule object (not a float the warm cache can assign)."""
    return bool(schedule) and next(iter(schedule)) not in CALLBACK_SCHEDULES  # type: ignore[arg-type]


def learning_rate_of(learning_rate: float, schedule: Mapping[str, Mapping[str, Any]] | None) -> Any:
    """The optimizer's ``learning_rate``: a float, or a ``keras.optimizers.schedules`` object starting from it.

    >>> learning_rate_of(0.01, {"inverse_time": {"decay_rate": 1e-6, "decay_steps": 1}}).decay_rate
    1e-06
    """
    if not schedule_object(schedule):
        return float(learning_rate)
    import keras

    (kind, args), = schedule.items()  # type: ignore[union-attr]
    cls = getattr(keras.optimizers.schedules, _SCHEDULE_CLASSES[kind])
    return cls(float(learning_rate), **args)


def make_optimizer(name: str, learning_rate: Any, **settings: Any) -> Any:
    """A new ``keras.optimizers`` instance with every setting applied.

    >>> make_optimizer("sgd", 0.01, momentum=0.9).momentum
    0.9
    """
    import keras

    if name not in OPTIMIZER_SETTINGS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {name!r}")
    unknown = set(settings) - set(OPTIMIZER_SETTINGS[name])
    if unknown:
        raise ValueError(f"optimizer {name} does not take {', '.join(sorted(unknown))}")
    cls = getattr(keras.optimizers, _KERAS_CLASSES[name])
    rate = learning_rate if hasattr(learning_rate, "get_config") else float(learning_rate)
    return cls(learning_rate=rate, **settings)
