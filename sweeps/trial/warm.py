"""Compiled models kept warm in a worker process, so trials that share a graph trace it once.

Tracing a small model's Keras train step costs more than several of its epochs (README, Performance).
Tune reuses worker processes between trials, and most trials of a sweep differ only in
values the traced graph reads from variables (the learning rate, the initial weights). A
trial whose graph would be identical to an earlier one's in this process (same architecture,
optimizer and optimizer constants) takes that compiled model and resets everything a fresh
model would have fresh: all model variables (weights and dropout seed state) are copied
from a model newly built with the trial's seed, the optimizer's variables go back to their
initial values and its learning rate is assigned. Training is then exactly what a cold start
gives (tests compare the weights after training).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sweeps.hyperparameters import FIELDS, GRAPH_KEYS, REGRESSION_LOSS
from sweeps.results.constants import TASK_METRICS
from sweeps.trial.models import build_model, build_user_model
from sweeps.trial.optimizers import applicable_settings, learning_rate_of, make_optimizer, schedule_object

CAPACITY = 8
"""Compiled models kept per process; the least recently used is dropped beyond this."""

CLASSIFICATION_LOSS = "sparse_categorical_crossentropy"


@dataclass
class _Warm:
    model: Any
    optimizer_start: list[np.ndarray]


_models: OrderedDict[tuple[Any, ...], _Warm] = OrderedDict()


def graph_key(hp: Mapping[str, Any], feature_shape: tuple[int, ...], n_outputs: int,
              steps_per_execution: int, policy: str, jit_compile: bool = False, task: str = "classification",
              loss: str | None = None) -> tuple[Any, ...]:
    """Everything the traced train step depends on; trials with equal keys can share one.

    The hyperparameters are the registry's ``graph`` ones: the architecture (regularisers and the slope are
    traced constants; ``kernel_initializer`` only sets initial weights, copied from a fresh model anyway,
    but a reused model would still name the first trial's initializer on its layers), the optimizer and its
    settings (traced constants). A setting the optimizer does not take is left out, as the trial drops it.
    """
    settings = applicable_settings(hp["optimizer"], hp)
    hyperparameters = tuple((k, _frozen(hp.get(k))) for k in GRAPH_KEYS if not FIELDS[k].optimizers or k in settings)
    return (hyperparameters, tuple(feature_shape), n_outputs, steps_per_execution, policy, jit_compile, task, loss)


def compiled_model(hp: Mapping[str, Any], feature_shape: tuple[int, ...], n_outputs: int, *,
                   steps_per_execution: int = 1, jit_compile: bool = False, reuse: bool = True,
                   task: str = "classification", loss: str | None = None, builder: Any = None) -> Any:
    """A compiled model in the state a fresh one for ``hp`` (seeded by ``hp['seed']``) would have.

    A user's model (``builder``) is never reused: no key this module could form covers
    everything a user's function may read to shape its graph, so each trial builds and
    traces its own. Nor is a model whose learning rate is a schedule object: its constants are
    traced, and Keras refuses to assign a float over it; ``reduce_on_plateau`` (a callback that
    sets the learning-rate variable) keeps reuse, since the assignment below resets it.
    """
    import keras

    policy = keras.mixed_precision.dtype_policy().name
    if builder is not None:
        model = build_user_model(builder, hp, feature_shape, n_outputs, task)
        return _compile(model, hp, steps_per_execution, jit_compile, task, loss, prebuild=False).model
    fresh = build_model(hp, feature_shape, n_outputs, task)
    key = graph_key(hp, feature_shape, n_outputs, steps_per_execution, policy, jit_compile, task, loss)
    reuse = reuse and not schedule_object(hp.get("lr_schedule"))
    warm = _models.get(key) if reuse else None
    if warm is None:
        warm = _compile(fresh, hp, steps_per_execution, jit_compile, task, loss)
        if reuse:
            _remember(key, warm)
        return warm.model
    _models.move_to_end(key)
    for target, source in zip(warm.model.variables, fresh.variables):
        target.assign(source)
    optimizer = warm.model.optimizer
    for variable, start in zip(optimizer.variables, warm.optimizer_start):
        variable.assign(start)
    optimizer.learning_rate = float(hp["learning_rate"])
    return warm.model


def _frozen(value: Any) -> Any:
    """A hashable form of a list (``widths``) for the key."""
    return tuple(value) if isinstance(value, list) else value


def forget() -> None:
    """Drop every warm model (tests, and a worker that wants its memory back)."""
    _models.clear()


def loss_and_metrics(task: str, loss: str | None) -> tuple[str, list[Any]]:
    """What a model of ``task`` is compiled with; the metric names are ``constants.TASK_METRICS``'."""
    import keras

    made = {"accuracy": lambda: "accuracy", "mae": lambda: keras.metrics.MeanAbsoluteError(name="mae"),
            "rmse": lambda: keras.metrics.RootMeanSquaredError(name="rmse")}
    metrics = [made[name]() for name in TASK_METRICS[task]]
    return (CLASSIFICATION_LOSS if task == "classification" else loss or REGRESSION_LOSS), metrics


def _compile(model: Any, hp: Mapping[str, Any], steps_per_execution: int, jit_compile: bool,
             task: str = "classification", loss: str | None = None, prebuild: bool = True) -> _Warm:
    rate = learning_rate_of(hp["learning_rate"], hp.get("lr_schedule"))
    optimizer = make_optimizer(hp["optimizer"], rate, **applicable_settings(hp["optimizer"], hp))
    loss_name, metrics = loss_and_metrics(task, loss)
    model.compile(optimizer=optimizer, loss=loss_name, metrics=metrics, steps_per_execution=steps_per_execution,
                  jit_compile=jit_compile)
    if prebuild:
        _build_state(model, task)
    return _Warm(model, [np.array(v) for v in model.optimizer.variables])


def _build_state(model: Any, task: str = "classification") -> None:
    """Create optimizer and metric variables now, outside the traced step.

    Keras otherwise creates them while tracing the first step, which makes TensorFlow trace
    that step a second time; building them here avoids that second trace.
    """
    import keras

    model.optimizer.build(model.trainable_variables)
    symbolic_build = getattr(model, "_symbolic_build", None)
    if symbolic_build is None:
        return
    x = np.zeros((1, *model.input_shape[1:]), dtype=keras.backend.floatx())
    if task == "classification":
        y = np.zeros((1,), dtype="int32")
    else:
        y = np.zeros((1, *model.output_shape[1:]), dtype="float32")
    symbolic_build(data_batch=(x, y, None))


def _remember(key: tuple[Any, ...], warm: _Warm) -> None:
    _models[key] = warm
    while len(_models) > CAPACITY:
        _models.popitem(last=False)
