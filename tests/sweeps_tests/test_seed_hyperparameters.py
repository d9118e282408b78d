"""Issue 11 item 4: widths, initializers, regularisers, batch norm, activations, clipnorm, schedules.

Each field is validated with a one-line error and read back from the compiled model (never
compared model with model: the warm cache may hand back the same object).
"""

from __future__ import annotations

from typing import Any

import keras
import pytest

from sweeps import load_spec
from sweeps.errors import SpecError
from sweeps.results import records
from sweeps.search.space import config_from_row, grid_points, resolve_config
from sweeps.trial.data import load_data
from sweeps.trial.trainable import compile_model, fit, plan_from_spec

BASE: dict[str, Any] = {"name": "seeded", "train": {"max_epochs": 1}}
HP: dict[str, Any] = {"family": "mlp", "width": 8, "depth": 1, "dropout": 0.0, "activation": "relu",
                      "optimizer": "adam", "learning_rate": 0.01, "batch_size": 32, "seed": 0}


def _spec(model: dict[str, Any] | None = None, train: dict[str, Any] | None = None) -> Any:
    return load_spec({**BASE, "model": model or {}, "train": {**BASE["train"], **(train or {})}})


@pytest.fixture(scope="module")
def setup() -> Any:
    spec = _spec()
    return load_data(spec.data, spec.family), plan_from_spec(spec)


def _dense(model: Any) -> list[Any]:
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


@pytest.mark.parametrize(("model", "train", "match"), [
    ({"widths": []}, {}, r"model.widths must be a non-empty list"),
    ({"widths": [100, 0]}, {}, r"model.widths must be a non-empty list of layer widths"),
    ({"widths": "100-50"}, {}, r"model.widths must be"),
    ({"widths": [100, 50], "width": 8}, {}, r"model.widths and model.width exclude each other"),
    ({"widths": [100], "family": "cnn"}, {}, r"model.widths applies to family 'mlp'"),
    ({"kernel_initializer": "zeros"}, {}, r"model.kernel_initializer must be one of: glorot_uniform"),
    ({"l1": -0.1}, {}, r"model.l1 must be a number >= 0, got -0.1"),
    ({"l2": "x"}, {}, r"model.l2 must be a number >= 0"),
    ({"batch_norm": "yes"}, {}, r"model.batch_norm must be true or false"),
    ({"negative_slope": 0.1}, {}, r"model.negative_slope applies only with model.activation leaky_relu"),
    ({"activation": "leaky_relu", "negative_slope": -1}, {}, r"model.negative_slope must be a number >= 0"),
    ({}, {"clipnorm": 0}, r"train.clipnorm must be a number > 0, got 0"),
    ({}, {"lr_schedule": {"step": {}}}, r"train.lr_schedule must be one of \{inverse_time"),
    ({}, {"lr_schedule": {"cosine": {}}}, r"train.lr_schedule.cosine.decay_steps is required"),
    ({}, {"lr_schedule": {"exponential": {"decay_rate": 0, "decay_steps": 1}}},
     r"train.lr_schedule.exponential.decay_rate must be a number > 0, got 0"),
    ({}, {"lr_schedule": {"reduce_on_plateau": {"factor": 2, "patience": 1}}},
     r"train.lr_schedule.reduce_on_plateau.factor must be a number in \(0, 1\)"),
    ({}, {"lr_schedule": {"cosine": {"decay_steps": 5, "alpha": 0}}}, r"lr_schedule.cosine.alpha is not a known"),
])
def test_bad_values_are_one_line_errors(model: dict[str, Any], train: dict[str, Any], match: str) -> None:
    with pytest.raises(SpecError, match=match) as info:
        _spec(model, train)
    assert "\n" not in str(info.value)


def test_widths_and_schedules_are_searchable_grids_and_columns() -> None:
    spec = _spec({"widths": {"grid": [[100, 50], [64]]}},
                 {"lr_schedule": {"grid": [{"cosine": {"decay_steps": 10}},
                                           {"reduce_on_plateau": {"factor": 0.5, "patience": 2}}]}})
    points = grid_points(spec)
    assert [p["widths"] for p in points] == [[100, 50], [100, 50], [64], [64]]
    assert "width" not in points[0] and "depth" not in points[0]
    assert load_spec(spec.to_dict()).hyperparameters == spec.hyperparameters
    row = records.hyperparameters_of(resolve_config({"point": points[0]}, spec.family))
    assert row["widths"] == "100-50" and row["lr_schedule"] == '{"cosine": {"decay_steps": 10}}'
    table = records.to_table([row], records.trial_schema([]))
    assert table.column("widths").to_pylist() == ["100-50"]


def test_a_stored_rows_widths_and_schedule_are_read_back_for_the_retrain() -> None:
    spec = _spec({"widths": {"grid": [[100, 50], [64]]}, "activation": {"grid": ["relu", "tanh"]}},
                 {"lr_schedule": {"grid": [{"cosine": {"decay_steps": 10}}, {"exponential": {
                     "decay_rate": 0.5, "decay_steps": 3}}]}})
    row = {"widths": "64", "lr_schedule": '{"exponential": {"decay_rate": 0.5, "decay_steps": 3}}',
           "activation": "tanh", "optimizer": "adam", "learning_rate": 0.01, "dropout": None, "best_val_loss": 0.3}
    hp = config_from_row(spec, row, records.HYPERPARAMETERS)
    assert hp["widths"] == [64] and hp["lr_schedule"] == {"exponential": {"decay_rate": 0.5, "decay_steps": 3}}
    assert hp["activation"] == "tanh" and "dropout" not in hp and "best_val_loss" not in hp


def test_negative_slope_is_dropped_for_other_activations() -> None:
    spec = _spec({"activation": {"grid": ["relu", "leaky_relu"]}, "negative_slope": 0.3})
    assert [p.get("negative_slope") for p in grid_points(spec)] == [None, 0.3]


@pytest.mark.parametrize("widths", [[100, 50], [64], [9, 7, 5]])
def test_widths_reach_the_layers(setup: Any, widths: list[int]) -> None:
    data, plan = setup
    hp = resolve_config({"point": grid_points(_spec({"widths": widths}))[0]}, "mlp")
    model = compile_model({**HP, **hp}, data, plan)
    assert [layer.units for layer in _dense(model)[:-1]] == widths


@pytest.mark.parametrize("name", ["glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal",
                                  "lecun_uniform"])
def test_kernel_initializer_reaches_every_layer_with_its_own_seed(setup: Any, name: str) -> None:
    data, plan = setup
    model = compile_model({**HP, "depth": 2, "kernel_initializer": name}, data, plan)
    initializers = [layer.kernel_initializer for layer in _dense(model)]
    expected = type(keras.initializers.get(name)).__name__
    assert {type(i).__name__ for i in initializers} == {expected}
    seeds = [i.seed for i in initializers]
    assert len(set(seeds)) == len(seeds)


def test_l1_l2_reach_every_kernel_regularizer(setup: Any) -> None:
    data, plan = setup
    model = compile_model({**HP, "l1": 1e-5, "l2": 3e-4}, data, plan)
    for layer in _dense(model):
        assert layer.kernel_regularizer.l1 == pytest.approx(1e-5)
        assert layer.kernel_regularizer.l2 == pytest.approx(3e-4)
    assert compile_model(HP, data, plan).layers[1].kernel_regularizer is None


@pytest.mark.parametrize("family", ["mlp", "cnn"])
def test_batch_norm_sits_between_each_hidden_layer_and_its_activation(setup: Any, family: str) -> None:
    data, plan = setup
    if family == "cnn":
        spec = _spec({"family": "cnn"})
        data, plan = load_data(spec.data, spec.family), plan_from_spec(spec)
    hp = {**HP, "family": family, "depth": 2, "filters": 4, "dense_units": 8, "batch_norm": True}
    model = compile_model(hp, data, plan)
    kinds = [type(layer).__name__ for layer in model.layers]
    hidden = 3 if family == "cnn" else 2
    assert kinds.count("BatchNormalization") == hidden
    for i, kind in enumerate(kinds):
        if kind == "BatchNormalization":
            assert kinds[i - 1] in ("Dense", "Conv2D") and not model.layers[i - 1].use_bias
            assert kinds[i + 1] == "Activation" and model.layers[i + 1].get_config()["activation"] == "relu"


def test_leaky_relu_slope_and_prelu_reach_their_layers(setup: Any) -> None:
    data, plan = setup
    leaky = compile_model({**HP, "depth": 2, "activation": "leaky_relu", "negative_slope": 0.27}, data, plan)
    slopes = [layer.negative_slope for layer in leaky.layers if isinstance(layer, keras.layers.LeakyReLU)]
    assert slopes == [pytest.approx(0.27)] * 2
    prelu = compile_model({**HP, "depth": 2, "activation": "prelu"}, data, plan)
    assert sum(isinstance(layer, keras.layers.PReLU) for layer in prelu.layers) == 2
    assert all(layer.get_config()["activation"] == "linear" for layer in _dense(prelu)[:-1])


@pytest.mark.parametrize("optimizer", ["sgd", "adagrad", "rmsprop", "adam", "nadam", "adadelta"])
def test_clipnorm_reaches_every_optimizer(setup: Any, optimizer: str) -> None:
    data, plan = setup
    hp = resolve_config({"point": grid_points(_spec(train={"optimizer": optimizer, "clipnorm": 0.7}))[0]}, "mlp")
    assert compile_model({**HP, **hp}, data, plan).optimizer.clipnorm == pytest.approx(0.7)


def test_the_assignments_sgd_is_reproduced(setup: Any) -> None:
    """Keras' old SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True), from the built-in spec."""
    data, plan = setup
    spec = load_spec("assignment-cnn")
    hp = resolve_config({"point": grid_points(spec)[0]}, spec.family)
    for _ in range(2):  # the second compile must not reuse a warm model whose schedule it cannot reset
        optimizer = compile_model(hp, load_data(spec.data, spec.family), plan_from_spec(spec)).optimizer
        assert type(optimizer).__name__ == "SGD" and optimizer.nesterov is True
        assert optimizer.momentum == pytest.approx(0.9)
        schedule = optimizer._learning_rate
        assert isinstance(schedule, keras.optimizers.schedules.InverseTimeDecay)
        assert schedule.initial_learning_rate == pytest.approx(0.01)
        assert schedule.decay_rate == pytest.approx(1e-6) and schedule.decay_steps == 1
        assert float(schedule(1_000_000)) == pytest.approx(0.01 / 2)


@pytest.mark.parametrize(("schedule", "cls", "values"), [
    ({"exponential": {"decay_rate": 0.5, "decay_steps": 10}}, "ExponentialDecay",
     {"decay_rate": 0.5, "decay_steps": 10}),
    ({"cosine": {"decay_steps": 100}}, "CosineDecay", {"decay_steps": 100}),
])
def test_decay_schedules_reach_the_optimizer(setup: Any, schedule: dict[str, Any], cls: str,
                                             values: dict[str, Any]) -> None:
    data, plan = setup
    optimizer = compile_model({**HP, "lr_schedule": schedule}, data, plan).optimizer
    assert type(optimizer._learning_rate).__name__ == cls
    config = optimizer._learning_rate.get_config()
    assert config["initial_learning_rate"] == pytest.approx(0.01)
    assert {k: config[k] for k in values} == pytest.approx(values)


def _rate(model: Any) -> float:
    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


def test_reduce_on_plateau_is_a_callback_and_keeps_warm_reuse_correct(setup: Any) -> None:
    data, plan = setup
    # A rate this small leaves val_loss flat (within Keras' min_delta) after epoch 1, so every epoch plateaus.
    rate = 1e-9
    hp = {**HP, "learning_rate": rate, "lr_schedule": {"reduce_on_plateau": {"factor": 0.5, "patience": 2}}}
    model = compile_model(hp, data, plan)
    history = fit(model, hp, data, plan, [], epochs=5)
    # Logged at each epoch's end before the callback acts: the rate halves after epochs 3 and 5.
    assert history.history["learning_rate"] == pytest.approx([rate, rate, rate, rate / 2, rate / 2])
    assert _rate(model) == pytest.approx(rate / 4)
    again = compile_model(hp, data, plan)
    assert again is model and _rate(again) == pytest.approx(rate)
    assert _rate(compile_model({**hp, "learning_rate": 0.02}, data, plan)) == pytest.approx(0.02)
