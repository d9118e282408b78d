"""A user's own Keras model for `sweeps run examples/own_model/spec.yaml`.

`build(hp)` gets every model and train value of the trial (searched ones resolved) plus the
data's `input_shape`, `n_outputs` and `task`, and returns an uncompiled model: the runner
compiles it with the trial's optimizer, loss and metrics.
"""

import keras
from keras import layers


def build(hp):
    inputs = keras.Input(shape=hp["input_shape"])
    flat = layers.Flatten()(inputs)
    wide = layers.Dense(hp["units"], activation="relu")(flat)
    narrow = layers.Dense(hp["units"] // 2, activation="relu")(wide)
    joined = layers.Concatenate()([wide, narrow]) if hp["skip"] else narrow
    joined = layers.Dropout(hp["dropout_rate"])(joined)
    outputs = layers.Dense(hp["n_outputs"], activation="softmax")(joined)
    return keras.Model(inputs, outputs, name="two_tower")
