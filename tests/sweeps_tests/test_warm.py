"""A trial on a warm (reused) compiled model trains exactly as on a freshly built one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from sweeps import load_spec
from sweeps.trial import warm
from sweeps.trial.data import load_data
from sweeps.trial.trainable import compile_model, fit, plan_from_spec

BASE = {"family": "mlp", "width": 12, "depth": 2, "dropout": 0.2, "activation": "relu",
        "batch_size": 32, "seed": 3}


@pytest.fixture(scope="module")
def setting() -> Any:
    spec = load_spec({"name": "warm", "data": {"limit": 400}, "train": {"max_epochs": 3}})
    return load_data(spec.data, spec.family), plan_from_spec(spec)


def _trained(hp: dict[str, Any], data: Any, plan: Any, epochs: int = 3) -> tuple[Any, list[np.ndarray]]:
    model = compile_model(hp, data, plan)
    history = fit(model, hp, data, plan, [], epochs=epochs)
    return model, [np.array(w) for w in model.get_weights()] + [np.array(history.history["val_loss"])]


@pytest.mark.parametrize("optimizer", [
    {"optimizer": "sgd", "learning_rate": 0.05, "momentum": 0.9, "nesterov": True},
    {"optimizer": "nadam", "learning_rate": 0.01, "beta_1": 0.8},
    {"optimizer": "rmsprop", "learning_rate": 0.01, "rho": 0.8},
])
def test_a_warm_trial_trains_exactly_like_a_cold_one(setting: Any, optimizer: dict[str, Any]) -> None:
    data, plan = setting
    hp = {**BASE, **optimizer}
    warm.forget()
    cold_model, cold = _trained(hp, data, plan)
    other_model, _ = _trained({**hp, "learning_rate": hp["learning_rate"] * 7, "seed": 11}, data, plan, epochs=2)
    warm_model, again = _trained(hp, data, plan)
    assert other_model is cold_model and warm_model is cold_model, "the graph was not reused"
    for before, after in zip(cold, again):
        np.testing.assert_allclose(after, before, rtol=0, atol=1e-6)


def test_graphs_are_shared_only_when_nothing_traced_differs(setting: Any) -> None:
    data, plan = setting
    warm.forget()
    sgd = {**BASE, "optimizer": "sgd", "learning_rate": 0.1, "momentum": 0.0}
    first = compile_model(sgd, data, plan)
    assert compile_model({**sgd, "learning_rate": 0.3, "seed": 9, "batch_size": 64}, data, plan) is first
    for change in ({"momentum": 0.9}, {"width": 13}, {"dropout": 0.3}, {"activation": "tanh"},
                   {"optimizer": "adam", "momentum": None}):
        assert compile_model({**sgd, **change}, data, plan) is not first, change


def test_the_cache_is_bounded(setting: Any) -> None:
    data, plan = setting
    warm.forget()
    for width in range(1, warm.CAPACITY + 4):
        compile_model({**BASE, "width": width, "optimizer": "adam", "learning_rate": 0.01}, data, plan)
    assert len(warm._models) == warm.CAPACITY



XLA_PROBE = """
import json, numpy as np
from sweeps import load_spec
from sweeps.trial import warm
from sweeps.trial.data import load_data
from sweeps.trial.trainable import compile_model, fit, plan_from_spec
spec = load_spec({"name": "xla", "data": {"limit": 400}, "resources": {"jit_compile": True}})
plan, data = plan_from_spec(spec), load_data(spec.data, spec.family)
hp = {"family": "mlp", "width": 12, "depth": 2, "dropout": 0.2, "activation": "relu", "batch_size": 32,
      "seed": 3, "optimizer": "adam", "learning_rate": 0.01}
model = compile_model(hp, data, plan)
history = fit(model, hp, data, plan, [], epochs=2)
plain = warm.compiled_model(hp, data.feature_shape, data.n_classes)
print(json.dumps({"jit": model.jit_compile, "plain_jit": plain.jit_compile, "shared": plain is model,
                  "finite": bool(np.isfinite(history.history["val_loss"]).all())}))
"""


def test_jit_compile_reaches_the_model_in_a_trial_process_and_gets_a_graph_of_its_own() -> None:
    done = subprocess.run([sys.executable, "-c", XLA_PROBE], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr[-3000:]
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe == {"jit": True, "plain_jit": False, "shared": False, "finite": True}
