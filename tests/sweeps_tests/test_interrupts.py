"""A stopped driver leaves a resumable sweep; --overwrite deletes late; one writer per folder (issue 12)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

import sweeps
from sweeps import driver, startup
from sweeps.results import constants as c
from tests.conftest import tiny_spec

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "RAY_AIR_NEW_OUTPUT": "0", "RAY_USAGE_STATS_ENABLED": "0"}


def _cli(*args: str, **kwargs: Any) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "sweeps.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=ENV, **kwargs)


def _rows(path: Path) -> int:
    try:
        return pq.read_metadata(path).num_rows
    except (OSError, ValueError):
        return 0


@pytest.mark.slow
@pytest.mark.parametrize("signals", [[signal.SIGINT], [signal.SIGTERM], [signal.SIGINT, signal.SIGINT]],
                         ids=["ctrl-c", "sigterm", "ctrl-c-twice"])
def test_a_stopped_fifo_sweep_exits_130_unscored_and_resume_completes_it(tmp_path: Path,
                                                                         signals: list[int]) -> None:
    spec = tiny_spec("stopped", model={"family": "mlp", "width": 8, "depth": 1},
                     train={"optimizer": "adam", "learning_rate": {"grid": [0.001, 0.002, 0.003, 0.004]},
                            "batch_size": 8, "max_epochs": 25},
                     search={"scheduler": "fifo", "metric": "val_loss"},
                     resources={"checkpoint_every": 1, "checkpoint_seconds": 0})
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    folder = tmp_path / "results" / "stopped"
    proc = _cli("run", str(path), "--results", str(tmp_path / "results"), "--quiet")
    deadline = time.monotonic() + 180
    while _rows(folder / c.EPOCHS_FILE) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert proc.poll() is None, "the sweep ended before it could be stopped"
    for sig in signals:
        proc.send_signal(sig)
        time.sleep(0.3)
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 130, err
    assert f"sweeps resume {folder}" in err
    assert json.loads((folder / c.RUN_FILE).read_text())["finished"] is None
    trials = pd.read_parquet(folder / c.TRIALS_FILE)
    assert c.PRUNED not in set(trials[c.STATUS])
    assert c.INTERRUPTED in set(trials[c.STATUS])
    tests = [col for col in trials.columns if col.startswith(c.TEST_PREFIX)]
    assert trials[tests].isna().all().all() and not trials[c.CHOSEN].any()
    assert not (folder / c.LOCK_FILE).exists()

    resumed = _cli("resume", str(folder), "--quiet")
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    trials = pd.read_parquet(folder / c.TRIALS_FILE)
    assert set(trials[c.STATUS]) <= {c.COMPLETED, c.EARLY_STOPPED} and len(trials) == 4
    assert trials[c.CHOSEN].sum() == 1 and trials["test_accuracy"].notna().sum() == 1
    assert json.loads((folder / c.RUN_FILE).read_text())["finished"]


def _old_sweep(root: Path, name: str) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / c.SPEC_FILE).write_text("name: yesterday\n")
    (folder / c.RAY_DIR).mkdir()
    return folder


def test_overwrite_keeps_the_old_results_when_the_data_fails_to_load(ray_local: Any, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _old_sweep(tmp_path, "late")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise sweeps.SpecError("data.path /nowhere/typo.npz does not exist")

    monkeypatch.setattr(startup, "load_data", broken)
    with pytest.raises(sweeps.SpecError, match="typo"):
        sweeps.run(tiny_spec("late", search={"scheduler": "fifo"}), results=tmp_path, overwrite=True,
                   progress=False)
    assert (folder / c.SPEC_FILE).read_text() == "name: yesterday\n" and (folder / c.RAY_DIR).is_dir()
    assert not (folder / c.LOCK_FILE).exists()


def _lock(folder: Path, pid: int) -> None:
    (folder / c.LOCK_FILE).write_text(json.dumps({"host": socket.gethostname(), "pid": pid}))


def test_a_second_writer_is_refused_while_the_lock_is_held(tmp_path: Path) -> None:
    folder = _old_sweep(tmp_path, "busy")
    _lock(folder, os.getpid())
    with pytest.raises(sweeps.SweepError, match="in use by another sweep") as caught:
        sweeps.run(tiny_spec("busy"), results=tmp_path, overwrite=True, progress=False)
    assert caught.value.exit_code == 1
    with pytest.raises(sweeps.SweepError, match="in use by another sweep"):
        sweeps.resume(folder, progress=False)
    assert (folder / c.SPEC_FILE).exists() and (folder / c.LOCK_FILE).exists()


def test_a_dead_process_lock_is_taken_over_with_a_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "stale"
    folder.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    _lock(folder, dead.pid)

    def stop(*args: Any, **kwargs: Any) -> Any:
        assert json.loads((folder / c.LOCK_FILE).read_text())["pid"] == os.getpid()
        raise sweeps.SweepError("stop after taking the lock")

    monkeypatch.setattr(driver, "drive", stop)
    with pytest.raises(sweeps.SweepError, match="stop after taking the lock"):
        sweeps.run(tiny_spec("stale"), results=tmp_path, progress=False)
    assert "taking over a stale lock" in capsys.readouterr().err
    assert not (folder / c.LOCK_FILE).exists()
