"""A value in a spec reaches the optimizer or layer it names (the course assignment's bug, guarded)."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import pytest

from sweeps import load_spec
from sweeps.search.space import grid_points, resolve_config
from sweeps.trial.data import load_data
from sweeps.trial.trainable import compile_model, plan_from_spec

SPEC = {
    "name": "honoured",
    "model": {"width": {"grid": [7, 13]}, "depth": {"grid": [1, 3]}, "dropout": {"grid": [0.0, 0.35]}},
    "train": {
        "optimizer": {"grid": ["sgd", "rmsprop", "adam", "nadam", "adadelta", "adagrad"]},
        "learning_rate": {"grid": [0.0123, 0.456]},
        "momentum": {"grid": [0.0, 0.8]}, "nesterov": {"grid": [False, True]},
        "rho": {"grid": [0.85, 0.97]}, "beta_1": {"grid": [0.5, 0.7]}, "beta_2": {"grid": [0.8, 0.95]},
        "epsilon": 1e-5,
    },
}


@pytest.fixture(scope="module")
def digits() -> Any:
    spec = load_spec(SPEC)
    return spec, load_data(spec.data, spec.family)


def _value(variable: Any) -> float:
    return float(np.asarray(keras.ops.convert_to_numpy(variable)))


def test_every_grid_value_reaches_the_compiled_optimizer(digits: Any) -> None:
    spec, data = digits
    plan = plan_from_spec(spec)
    points = grid_points(spec)
    checked = set()
    for point in points[:: max(1, len(points) // 60)] + points[-6:]:
        hp = resolve_config({"point": point}, spec.family)
        optimizer = compile_model(hp, data, plan).optimizer
        assert type(optimizer).__name__.lower() == hp["optimizer"]
        assert _value(optimizer.learning_rate) == pytest.approx(hp["learning_rate"])
        for setting in ("momentum", "rho", "beta_1", "beta_2", "epsilon"):
            if setting in hp:
                assert getattr(optimizer, setting) == pytest.approx(hp[setting]), setting
                checked.add(setting)
        if "nesterov" in hp:
            assert optimizer.nesterov is hp["nesterov"]
            checked.add("nesterov")
    assert checked == {"momentum", "nesterov", "rho", "beta_1", "beta_2", "epsilon"}


def test_every_trial_starts_from_a_fresh_optimizer_state(digits: Any) -> None:
    """A worker may reuse a compiled graph, never an optimizer's state or its learning rate."""
    spec, data = digits
    plan = plan_from_spec(spec)
    hp = {"family": "mlp", "width": 7, "depth": 1, "dropout": 0.0, "activation": "relu",
          "optimizer": "adam", "learning_rate": 0.0123, "batch_size": 32, "seed": 0}
    model = compile_model(hp, data, plan)
    model.fit(data.x_train[:64], data.y_train[:64], epochs=1, verbose=0)
    assert int(model.optimizer.iterations) > 0
    optimizer = compile_model({**hp, "learning_rate": 0.456}, data, plan).optimizer
    assert _value(optimizer.learning_rate) == pytest.approx(0.456)
    assert int(optimizer.iterations) == 0
    slots = [np.asarray(v) for v in optimizer.variables if "momentum" in v.path or "velocity" in v.path]
    assert slots and all(not s.any() for s in slots)


@pytest.mark.parametrize(("width", "depth", "dropout"), [(7, 1, 0.0), (13, 3, 0.35)])
def test_width_depth_and_dropout_reach_the_layers(digits: Any, width: int, depth: int, dropout: float) -> None:
    spec, data = digits
    hp = {"family": "mlp", "width": width, "depth": depth, "dropout": dropout, "activation": "tanh",
          "optimizer": "adam", "learning_rate": 0.01, "batch_size": 32, "seed": 0}
    model = compile_model(hp, data, plan_from_spec(spec))
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert [layer.units for layer in dense] == [width] * depth + [10]
    assert all(layer.activation.__name__ == "tanh" for layer in dense[:-1])
    drops = [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    assert drops == ([dropout] * depth if dropout else [])


def test_cnn_filters_and_dense_units_reach_the_layers() -> None:
    spec = load_spec({"name": "c", "model": {"family": "cnn", "filters": 4, "dense_units": 24, "dropout": 0.25}})
    data = load_data(spec.data, spec.family)
    hp = resolve_config({"point": grid_points(spec)[0]}, spec.family)
    model = compile_model(hp, data, plan_from_spec(spec))
    assert [layer.filters for layer in model.layers if isinstance(layer, keras.layers.Conv2D)] == [4, 8]
    assert [layer.units for layer in model.layers if isinstance(layer, keras.layers.Dense)] == [24, 10]
    assert model.input_shape == (None, 8, 8, 1)
