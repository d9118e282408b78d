"""A real multi-node Ray cluster on this machine (separate raylets), and a driver run as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

FAST_HEALTH_CHECK = {"health_check_initial_delay_ms": 0, "health_check_period_ms": 500,
                     "health_check_timeout_ms": 500, "health_check_failure_threshold": 3}


@pytest.fixture
def cluster() -> Iterator[Any]:
    """Head (1 CPU) + one worker node (1 CPU), torn down after the test."""
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, connect=False,
                      head_node_args={"num_cpus": 1, "include_dashboard": False, "_system_config": FAST_HEALTH_CHECK})
    cluster.worker = cluster.add_node(num_cpus=1)
    yield cluster
    cluster.shutdown()


EPOCHS = 40
"""Per trial: with batches of 4, a trial takes several seconds, long enough to be interrupted."""


def cluster_spec(name: str, tmp_path: Path, **train: Any) -> Path:
    """Four trials slow enough to be interrupted, checkpointed every epoch."""
    spec = {
        "name": name,
        "model": {"family": "mlp", "width": 16},
        "train": {"optimizer": "adam", "learning_rate": {"grid": [0.001, 0.002, 0.003, 0.004]},
                  "batch_size": 4, "max_epochs": EPOCHS, "early_stopping": None, **train},
        "search": {"scheduler": "fifo"},
        "resources": {"checkpoint_every": 1, "checkpoint_seconds": 0, "max_failures": 3},
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def sweeps_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "sweeps.cli", *args]


def driver_env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1", "RAY_USAGE_STATS_ENABLED": "0"}


def start_driver(*args: str, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(sweeps_command(*args), stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            env=driver_env(), start_new_session=True)


def wait_for_epochs(folder: Path, ready: Callable[[pd.DataFrame], bool], proc: subprocess.Popen[bytes],
                    log: Path, timeout: float = 120) -> pd.DataFrame:
    """Poll epochs.parquet (written atomically, so always readable) until ``ready`` holds."""
    deadline = time.monotonic() + timeout
    path = folder / "epochs.parquet"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"driver ended early ({proc.returncode}):\n{log.read_text()[-3000:]}")
        if path.exists():
            epochs = pd.read_parquet(path)
            if ready(epochs):
                return epochs
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for epochs in {folder}:\n{log.read_text()[-3000:]}")


def assert_each_epoch_once(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    epochs = pd.read_parquet(folder / "epochs.parquet")
    trials = pd.read_parquet(folder / "trials.parquet")
    assert not epochs.duplicated(["trial_id", "epoch"]).any()
    per_trial = epochs.groupby("trial_id")["epoch"].agg(["min", "max", "count"])
    assert (per_trial["min"] == 1).all() and (per_trial["max"] == per_trial["count"]).all()
    runs = trials.set_index("trial_id")["epochs_run"].sort_index()
    assert per_trial["count"].sort_index().tolist() == runs.tolist()
    return epochs, trials
