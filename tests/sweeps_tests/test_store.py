"""The store's Tune hooks, driven directly: every status change reaches the Parquet files."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sweeps.results import constants as c
from sweeps.results.rows import SweepRows, rows_of
from sweeps.results.storage import Folder
from sweeps.results.store import SweepStore
from sweeps.spec.model import load_spec
from tests.conftest import tiny_spec


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


def _new_store(path: Path) -> SweepStore:
    return SweepStore(SweepRows(path, sweep="s", metric="val_loss", mode="min"), family="mlp", flush_seconds=0.0)


@pytest.fixture
def store(tmp_path: Path) -> SweepStore:
    return _new_store(tmp_path)


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


@pytest.mark.parametrize("resumed_sweep", [False, True], ids=["retried_trial", "resumed_sweep"])
def test_a_restarted_trial_that_stops_sooner_drops_the_dead_attempts_later_epochs(
        store: SweepStore, tmp_path: Path, resumed_sweep: bool) -> None:
    trial = TrialStandIn("t4", CONFIG)
    store.setup()
    store.on_trial_start(0, [trial], trial)
    for number, val_loss in zip(range(1, 6), [5.0, 4.0, 3.0, 2.0, 1.0]):
        store.on_trial_result(0, [trial], trial, _epoch(number, val_loss=val_loss))
    store.get_state()  # Tune saves its experiment state: epochs 1..5 reach the file
    assert _stored(tmp_path, c.EPOCHS_FILE)[c.EPOCH].tolist() == [1, 2, 3, 4, 5]
    if resumed_sweep:  # the driver died; a new one reads the files and Tune restores the trial
        store = _new_store(tmp_path)
        store.setup()
    else:  # the attempt died; Tune retries it from its checkpoint at epoch 2
        trial.status = "PENDING"
        store.on_trial_recover(0, [trial], trial)
    trial.status = "RUNNING"
    store.on_trial_start(0, [trial], trial)
    store.on_trial_restore(0, [trial], trial)
    for number, val_loss in [(3, 3.5), (4, 3.2)]:
        store.on_trial_result(0, [trial], trial, _epoch(number, val_loss=val_loss))
    trial.last_result, trial.status = _epoch(4, stop_reason=c.EARLY_STOPPED), "TERMINATED"
    store.on_trial_complete(0, [trial], trial)
    epochs = _stored(tmp_path, c.EPOCHS_FILE)
    assert epochs[c.EPOCH].tolist() == [1, 2, 3, 4]
    assert epochs["val_loss"].tolist() == [5.0, 4.0, 3.5, 3.2]
    row = _stored(tmp_path, c.TRIALS_FILE).iloc[0]
    assert (row[c.EPOCHS_RUN], row[c.BEST_EPOCH], row[c.STATUS]) == (4, 4, c.EARLY_STOPPED)


def test_a_trials_weight_count_and_median_epoch_seconds_land_on_its_row_only(store: SweepStore,
                                                                             tmp_path: Path) -> None:
    trial = TrialStandIn("t5", CONFIG)
    for number, seconds in zip(range(1, 4), [0.1, 0.3, 0.2]):
        extra = {c.PARAMS: 610} if number == 1 else {}
        store.on_trial_result(0, [trial], trial, {**_epoch(number, **extra), c.EPOCH_SECONDS: seconds})
    store.rows.flush()
    row = _stored(tmp_path, c.TRIALS_FILE).iloc[0]
    assert row[c.PARAMS] == 610 and row[c.SECONDS_PER_EPOCH] == pytest.approx(0.2)
    assert c.PARAMS not in _stored(tmp_path, c.EPOCHS_FILE).columns


def test_status_reads_what_the_pure_rows_wrote_with_ray_unimportable(tmp_path: Path) -> None:
    """``sweeps status`` reads two files and run.json: it must work where importing Ray fails."""
    spec = load_spec(tiny_spec("quiet", model={"family": "mlp", "width": 8, "depth": 1},
                               train={"optimizer": "adam", "learning_rate": {"grid": [0.1, 0.01]}}))
    folder = tmp_path / "quiet"
    folder.mkdir()
    (folder / c.SPEC_FILE).write_text(spec.to_yaml())
    rows = rows_of(spec, Folder.at(folder))
    for trial_id, rate, losses in (("t1", 0.1, [0.9, 0.7]), ("t2", 0.01, [0.8, 0.5])):
        rows.add_trial(trial_id, {"optimizer": "adam", "learning_rate": rate, "width": 8, "depth": 1})
        for number, loss in enumerate(losses, start=1):
            rows.add_result(trial_id, _epoch(number, val_loss=loss))
        rows.set_status(trial_id, c.COMPLETED, None)
    rows.flush()
    script = ("import sys\nsys.modules['ray'] = None\nfrom sweeps.cli import main\n"
              f"code = main(['status', {str(folder)!r}])\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] == 'ray' and sys.modules[m] is not None))\n"
              "sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "quiet (not finished): 2 trials, 4 epochs stored"
    assert "  completed      2" in lines
    assert any(line.startswith("  best val_loss: 0.5000 at epoch 2") and "trial t2" in line for line in lines)
    assert lines[-1] == "[]"


def test_at_a_stop_signal_running_trials_end_interrupted_and_finished_ones_keep_their_fate(
        store: SweepStore, tmp_path: Path) -> None:
    done, running = TrialStandIn("t1", CONFIG), TrialStandIn("t2", CONFIG)
    for trial in (done, running):
        store.on_trial_start(0, [trial], trial)
        store.on_trial_result(0, [trial], trial, _epoch(1))
    done.last_result, done.status = _epoch(1, stop_reason=c.EARLY_STOPPED), "TERMINATED"
    store.on_trial_complete(0, [done], done)
    running.status = "TERMINATED"  # Tune stops every trial at the signal, with no stop reason
    store.interrupted = True
    store.on_experiment_end([done, running])
    trials = _stored(tmp_path, c.TRIALS_FILE)
    assert dict(zip(trials[c.TRIAL_ID], trials[c.STATUS])) == {"t1": c.EARLY_STOPPED, "t2": c.INTERRUPTED}
