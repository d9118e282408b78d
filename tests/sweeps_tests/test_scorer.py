"""The warm scorer starts once, with the sweep's first result, and never travels in Tune's saved state."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from sweeps.spec.model import load_spec
from sweeps.trial.data import load_data
from sweeps.trial.scorer import ScorerLauncher, stop_scorer
from sweeps.trial.trainable import plan_from_spec
from tests.conftest import tiny_spec

pytestmark = pytest.mark.slow


def test_the_scorer_starts_on_the_first_result_only_and_is_not_pickled(ray_local: Any) -> None:
    spec = load_spec(tiny_spec("scorer"))
    launcher = ScorerLauncher(plan_from_spec(spec))
    assert launcher.scorer is None
    launcher.on_trial_result(iteration=1, trials=[], trial=None, result={"epoch": 1})
    first = launcher.scorer
    assert isinstance(first, ray_local.actor.ActorHandle)
    launcher.on_trial_result(iteration=2, trials=[], trial=None, result={"epoch": 2})
    assert launcher.scorer is first
    restored = pickle.loads(pickle.dumps(launcher))
    assert restored.scorer is None and restored.plan == launcher.plan
    data = load_data(spec.data, spec.family)
    hp = {"family": "mlp", "width": 8, "depth": 1, "dropout": 0.0, "activation": "relu", "optimizer": "adam",
          "learning_rate": 0.01, "batch_size": 64, "seed": 0}
    scored = ray_local.get(first.score.remote(hp, data, launcher.plan, 1), timeout=300)
    assert set(scored.metrics) == {"test_loss", "test_accuracy", "val_loss", "val_accuracy"}
    assert 0.1 < scored.metrics["test_accuracy"] <= 1
    stop_scorer(first)


def test_gpu_sweeps_start_no_scorer_actor(ray_local: Any) -> None:
    spec = load_spec(tiny_spec("gpu-scorer", resources={"gpus_per_trial": 0.5}))
    launcher = ScorerLauncher(plan_from_spec(spec))
    launcher.on_trial_result(iteration=1, trials=[], trial=None, result={"epoch": 1})
    assert launcher.scorer is None
