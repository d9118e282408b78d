"""Optimizer name + settings -> a fresh Keras optimizer, one per trial.

A fresh object per trial is the point: an optimizer built once and shared (as in the
course assignment) silently ignores every searched value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

OPTIMIZER_SETTINGS: dict[str, tuple[str, ...]] = {
    "sgd": ("momentum", "nesterov"),
    "adagrad": ("epsilon",),
    "rmsprop": ("rho", "momentum", "epsilon"),
    "adam": ("beta_1", "beta_2", "epsilon"),
    "nadam": ("beta_1", "beta_2", "epsilon"),
    "adadelta": ("rho", "epsilon"),
}
"""The settings each optimizer takes besides learning_rate (Keras' argument names)."""

OPTIMIZERS: tuple[str, ...] = tuple(OPTIMIZER_SETTINGS)
SETTINGS: tuple[str, ...] = tuple(dict.fromkeys(s for names in OPTIMIZER_SETTINGS.values() for s in names))

_KERAS_CLASSES = {
    "sgd": "SGD",
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
    "adam": "Adam",
    "nadam": "Nadam",
    "adadelta": "Adadelta",
}


def takers_of(setting: str) -> list[str]:
    """Optimizers that accept ``setting``."""
    return [name for name, names in OPTIMIZER_SETTINGS.items() if setting in names]


def applicable_settings(optimizer: str, hyperparameters: Mapping[str, Any]) -> dict[str, Any]:
    """The settings in ``hyperparameters`` that ``optimizer`` takes and that are set."""
    return {k: hyperparameters[k] for k in OPTIMIZER_SETTINGS[optimizer] if hyperparameters.get(k) is not None}


def make_optimizer(name: str, learning_rate: float, **settings: Any) -> Any:
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
    return cls(learning_rate=float(learning_rate), **settings)
