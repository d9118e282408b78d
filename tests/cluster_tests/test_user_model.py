"""A user's model on a real two-node Ray cluster, its module importable on the driver only."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from tests.cluster_tests.conftest import driver_env, sweeps_command

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

BUILDER = '''
import keras
from keras import layers


def build(hp):
    inputs = keras.Input(shape=hp["input_shape"])
    x = layers.Dense(hp["units"], activation="relu", name="hidden")(layers.Flatten()(inputs))
    return keras.Model(inputs, layers.Dense(hp["n_outputs"], activation="softmax")(x))
'''


def test_a_user_model_from_the_spec_folder_trains_on_both_nodes(cluster: Any, tmp_path: Path) -> None:
    """The module sits beside the spec; no node has it on its path: Ray's runtime env (py_modules) ships it."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "towers.py").write_text(BUILDER)
    spec = project / "spec.yaml"
    spec.write_text(yaml.safe_dump({
        "name": "own-cluster", "data": {"dataset": "digits", "limit": 600},
        "model": {"build": "towers:build", "units": {"grid": [8, 16, 24, 32]}},
        "train": {"optimizer": "adam", "learning_rate": 0.01, "batch_size": 8, "max_epochs": 6,
                  "early_stopping": None},
        "resources": {"max_failures": 0}}))
    results = tmp_path / "results"
    done = subprocess.run(sweeps_command("run", str(spec), "--address", cluster.address, "--results", str(results),
                                         "--quiet"), capture_output=True, text=True, timeout=300, env=driver_env(),
                          cwd="/")
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    epochs = pd.read_parquet(results / "own-cluster" / "epochs.parquet")
    trials = pd.read_parquet(results / "own-cluster" / "trials.parquet")
    assert set(trials["status"]) == {"completed"} and sorted(trials["units"]) == [8, 16, 24, 32]
    assert epochs["node"].nunique() == 2
    assert epochs.groupby("trial_id").size().eq(6).all()
