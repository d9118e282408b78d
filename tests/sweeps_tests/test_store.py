"""The store's Tune hooks, driven directly: every status change reaches the Parquet files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sweeps.results import constants as c
from sweeps.results.store import SweepStore


@dataclass
class TrialStandIn:
    """The attributes of ``ray.tune.experiment.Trial`` the store reads."""

    trial_id: str
    config: dict[str, Any]
    status: str = "RUNNING"
    last_result: dict[str, Any] = field(default_factory=dict)
    error_file: str | None = None


CONFIG = {"point": {"width": 8, "depth": 1, "optimizer": "sgd", "learning_rate": 1e5, "repeat": 0, "seed": 0}}


def _epoch(number: int, **extra: Any) -> dict[str, Any]:
    return {c.EPOCH: number, "loss": float("nan"), "val_loss": float("nan"), c.EPOCH_SECONDS: 0.1,
            c.NODE: "n", c.REPORTED_AT: 1.7e9 + number + 0.25, c.PID: 7, **extra}


@pytest.fixture
def store(tmp_path: Path) -> SweepStore:
    return SweepStore(tmp_path, sweep="s", family="mlp", metric="val_loss", mode="min", flush_seconds=0.0)


def _stored(tmp_path: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(tmp_path / name)


def test_a_status_set_right_after_a_flush_still_reaches_disk(store: SweepStore, tmp_path: Path) -> None:
    trial = TrialStandIn("t1", CONFIG)
    store.on_trial_start(0, [trial], trial)
    result = _epoch(1, stop_reason=c.DIVERGED)
    store.on_trial_result(0, [trial], trial, result)
    assert _stored(tmp_path, c.TRIALS_FILE)[c.STATUS].tolist() == [c.RUNNING]
    trial.last_result, trial.status = result, "TERMINATED"
    store.on_trial_complete(0, [trial], trial)
    assert _stored(tmp_path, c.TRIALS_FILE)[c.STATUS].tolist() == [c.DIVERGED]


def test_an_error_right_after_a_flush_still_reaches_disk(store: SweepStore, tmp_path: Path) -> None:
    trial = TrialStandIn("t2", CONFIG)
    store.on_trial_start(0, [trial], trial)
    store.on_trial_result(0, [trial], trial, _epoch(1))
    error = tmp_path / "error.txt"
    error.write_text("Traceback ...\nValueError: boom\n")
    trial.status, trial.error_file = "ERROR", str(error)
    store.on_trial_error(0, [trial], trial)
    row = _stored(tmp_path, c.TRIALS_FILE).iloc[0]
    assert row[c.STATUS] == c.ERRORED and row[c.ERROR] == "ValueError: boom"


def test_the_trials_report_time_is_kept_to_the_sub_second(store: SweepStore, tmp_path: Path) -> None:
    trial = TrialStandIn("t3", CONFIG)
    store.on_trial_result(0, [trial], trial, {**_epoch(1), "timestamp": 1_700_000_001})
    epochs = _stored(tmp_path, c.EPOCHS_FILE)
    assert epochs[c.TIMESTAMP].tolist() == [1.7e9 + 1.25] and epochs[c.PID].tolist() == [7]
    assert c.REPORTED_AT not in epochs.columns
