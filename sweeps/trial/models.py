"""Hyperparameters -> an uncompiled Keras model. Pure: no data, no training."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from sweeps.hyperparameters import applies

_SEEDS_PER_TRIAL = 1000
"""Seeds reserved per trial seed: trials with different seeds never share a layer seed."""

_SMALL_IMAGE = 16
"""Images narrower than this (the 8x8 digits) keep their size through convolutions ('same' padding)."""


def build_model(hp: Mapping[str, Any], feature_shape: tuple[int, ...], n_outputs: int,
                task: str = "classification") -> Any:
    """The family's architecture with every hyperparameter in ``hp`` applied.

    ``mlp``: one Dense layer per ``widths`` entry (else ``depth`` layers of ``width`` units), each
    followed by Dropout when > 0.
    ``cnn``: the course assignment's network: Conv(filters) -> pool -> dropout ->
    Conv(2 x filters) -> pool -> Dense(dense_units) -> dropout -> softmax.

    Every initializer and dropout layer gets its own seed derived from ``hp['seed']``, so a
    trial's initial weights and dropout masks follow from its seed alone, without touching
    TensorFlow's global seed (setting that empties TensorFlow's kernel cache, which slows
    every later trial in the worker).

    Every Dense and Conv layer, the output included, takes ``kernel_initializer`` and the
    ``l1``/``l2`` kernel regulariser. With ``batch_norm`` each hidden layer is
    layer (no bias: BatchNormalization's beta replaces it) -> BatchNormalization -> activation,
    normalising before the activation as Ioffe and Szegedy did. ``prelu`` is a PReLU layer;
    ``negative_slope`` sets leaky_relu's slope (a LeakyReLU layer).
    """
    import keras
    from keras import layers

    seeds = itertools.count(int(hp.get("seed") or 0) * _SEEDS_PER_TRIAL)
    initializer = type(keras.initializers.get(hp.get("kernel_initializer") or "glorot_uniform"))
    l1, l2 = float(hp.get("l1") or 0.0), float(hp.get("l2") or 0.0)
    regularizer = keras.regularizers.L1L2(l1=l1, l2=l2) if l1 or l2 else None
    inputs = keras.Input(shape=feature_shape)
    dropout = float(hp.get("dropout") or 0.0)
    activation = hp.get("activation", "relu")
    slope = hp.get("negative_slope") if applies("negative_slope", {"activation": activation}) else None
    batch_norm = bool(hp.get("batch_norm"))
    apart = batch_norm or activation == "prelu" or slope is not None
    """Whether the activation is its own layer rather than the Dense/Conv layer's argument."""

    def weights() -> dict[str, Any]:
        return {"kernel_initializer": initializer(seed=next(seeds)), "kernel_regularizer": regularizer}

    def hidden(layer: Any, x: Any, *args: Any) -> Any:
        x = layer(*args, activation=None if apart else activation, use_bias=not batch_norm, **weights())(x)
        if batch_norm:
            x = layers.BatchNormalization()(x)
        if activation == "prelu":
            return layers.PReLU()(x)
        if slope is not None:
            return layers.LeakyReLU(negative_slope=float(slope))(x)
        return layers.Activation(activation)(x) if apart else x

    x = inputs
    if hp["family"] == "cnn":
        padding = "same" if min(feature_shape[:2]) < _SMALL_IMAGE else "valid"
        filters = int(hp["filters"])
        conv = lambda **kw: layers.Conv2D(padding=padding, **kw)  # noqa: E731
        x = hidden(lambda **kw: conv(filters=filters, kernel_size=3, **kw), x)
        x = layers.MaxPooling2D(2)(x)
        x = layers.Dropout(dropout, seed=next(seeds))(x) if dropout else x
        x = hidden(lambda **kw: conv(filters=2 * filters, kernel_size=3, **kw), x)
        x = layers.MaxPooling2D(2)(x)
        x = layers.Flatten()(x)
        x = hidden(layers.Dense, x, int(hp["dense_units"]))
        x = layers.Dropout(dropout, seed=next(seeds))(x) if dropout else x
    else:
        if len(feature_shape) > 1:
            x = layers.Flatten()(x)
        widths = hp.get("widths") or [int(hp["width"])] * int(hp["depth"])
        for units in widths:
            x = hidden(layers.Dense, x, int(units))
            x = layers.Dropout(dropout, seed=next(seeds))(x) if dropout else x
    head = "softmax" if task == "classification" else "linear"
    outputs = layers.Dense(n_outputs, activation=head, dtype="float32", **weights())(x)
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
