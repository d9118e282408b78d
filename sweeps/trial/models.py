"""Hyperparameters -> an uncompiled Keras model. Pure: no data, no training."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

_SEEDS_PER_TRIAL = 1000
"""Seeds reserved per trial seed: trials with different seeds never share a layer seed."""

_SMALL_IMAGE = 16
"""Images narrower than this (the 8x8 digits) keep their size through convolutions ('same' padding)."""


def build_model(hp: Mapping[str, Any], feature_shape: tuple[int, ...], n_outputs: int,
                task: str = "classification") -> Any:
    """The family's architecture with every hyperparameter in ``hp`` applied.

    ``mlp``: ``depth`` Dense layers of ``width`` units, each followed by Dropout when > 0.
    ``cnn``: the course assignment's network: Conv(filters) -> pool -> dropout ->
    Conv(2 x filters) -> pool -> Dense(dense_units) -> dropout -> softmax.

    Every initializer and dropout layer gets its own seed derived from ``hp['seed']``, so a
    trial's initial weights and dropout masks follow from its seed alone, without touching
    TensorFlow's global seed (setting that empties TensorFlow's kernel cache, which costs
    every later trial in the worker about 0.2 s).
    """
    import keras
    from keras import layers

    seeds = itertools.count(int(hp.get("seed") or 0) * _SEEDS_PER_TRIAL)
    kernel = lambda: keras.initializers.GlorotUniform(seed=next(seeds))  # noqa: E731
    inputs = keras.Input(shape=feature_shape)
    dropout = float(hp.get("dropout") or 0.0)
    activation = hp.get("activation", "relu")
    x = inputs
    if hp["family"] == "cnn":
        padding = "same" if min(feature_shape[:2]) < _SMALL_IMAGE else "valid"
        filters = int(hp["filters"])
        x = layers.Conv2D(filters, 3, activation=activation, padding=padding, kernel_initializer=kernel())(x)
        x = layers.MaxPooling2D(2)(x)
        x = layers.Dropout(dropout, seed=next(seeds))(x) if dropout else x
        x = layers.Conv2D(2 * filters, 3, activation=activation, padding=padding, kernel_initializer=kernel())(x)
        x = layers.MaxPooling2D(2)(x)
        x = layers.Flatten()(x)
        x = layers.Dense(int(hp["dense_units"]), activation=activation, kernel_initializer=kernel())(x)
        x = layers.Dropout(dropout, seed=next(seeds))(x) if dropout else x
    else:
        if len(feature_shape) > 1:
            x = layers.Flatten()(x)
        for _ in range(int(hp["depth"])):
            x = layers.Dense(int(hp["width"]), activation=activation, kernel_initializer=kernel())(x)
            x = layers.Dropout(dropout, seed=next(seeds))(x) if dropout else x
    head = "softmax" if task == "classification" else "linear"
    outputs = layers.Dense(n_outputs, activation=head, dtype="float32", kernel_initializer=kernel())(x)
    return keras.Model(inputs, outputs, name=f"{hp['family']}")


def build_user_model(builder: Any, hp: Mapping[str, Any], feature_shape: tuple[int, ...], n_outputs: int,
                     task: str) -> Any:
    """The user's ``build(hp)`` with the data's ``input_shape``, ``n_outputs`` and ``task`` added to ``hp``.

    Keras' global seed is set from the trial's seed first, so a user model's initial weights
    follow from the trial's seed as the built-in families' do.
    """
    import keras

    keras.utils.set_random_seed(int(hp.get("seed") or 0))
    given = {**hp, "input_shape": tuple(feature_shape), "n_outputs": int(n_outputs), "task": task}
    model = builder(given)
    if not isinstance(model, keras.Model):
        raise TypeError(f"model.build must return an uncompiled keras.Model, got {type(model).__name__}")
    return model
