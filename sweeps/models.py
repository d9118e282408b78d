"""Hyperparameters -> an uncompiled Keras model. Pure: no data, no training."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_SMALL_IMAGE = 16
"""Images narrower than this (the 8x8 digits) keep their size through convolutions ('same' padding)."""


def build_model(hp: Mapping[str, Any], feature_shape: tuple[int, ...], n_classes: int) -> Any:
    """The family's architecture with every hyperparameter in ``hp`` applied.

    ``mlp``: ``depth`` Dense layers of ``width`` units, each followed by Dropout when > 0.
    ``cnn``: the course assignment's network: Conv(filters) -> pool -> dropout ->
    Conv(2 x filters) -> pool -> Dense(dense_units) -> dropout -> softmax.
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=feature_shape)
    dropout = float(hp.get("dropout") or 0.0)
    activation = hp.get("activation", "relu")
    x = inputs
    if hp["family"] == "cnn":
        padding = "same" if min(feature_shape[:2]) < _SMALL_IMAGE else "valid"
        filters = int(hp["filters"])
        x = layers.Conv2D(filters, 3, activation=activation, padding=padding)(x)
        x = layers.MaxPooling2D(2)(x)
        x = layers.Dropout(dropout)(x) if dropout else x
        x = layers.Conv2D(2 * filters, 3, activation=activation, padding=padding)(x)
        x = layers.MaxPooling2D(2)(x)
        x = layers.Flatten()(x)
        x = layers.Dense(int(hp["dense_units"]), activation=activation)(x)
        x = layers.Dropout(dropout)(x) if dropout else x
    else:
        if len(feature_shape) > 1:
            x = layers.Flatten()(x)
        for _ in range(int(hp["depth"])):
            x = layers.Dense(int(hp["width"]), activation=activation)(x)
            x = layers.Dropout(dropout)(x) if dropout else x
    outputs = layers.Dense(n_classes, activation="softmax", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=f"{hp['family']}")
