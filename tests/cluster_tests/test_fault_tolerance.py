"""Node loss and a killed driver on a real two-node Ray cluster: nothing lost, nothing written twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.cluster_tests.conftest import (
    EPOCHS,
    assert_each_epoch_once,
    cluster_spec,
    driver_env,
    start_driver,
    sweeps_command,
    wait_for_epochs,
)

pytestmark = [pytest.mark.cluster, pytest.mark.slow]


def _node_of(cluster: Any, node: Any) -> str:
    return node.node_id[:8]


def test_trials_run_on_both_nodes_and_survive_losing_the_worker(cluster: Any, tmp_path: Path) -> None:
    spec = cluster_spec("node-loss", tmp_path)
    results, log = tmp_path / "results", tmp_path / "driver.log"
    folder = results / "node-loss"
    worker_id = _node_of(cluster, cluster.worker)
    on_worker = lambda e: (e["node"].str.endswith(worker_id).groupby(e["trial_id"]).sum() >= 3).any()  # noqa: E731
    proc = start_driver("run", str(spec), "--address", cluster.address, "--results", str(results), "--quiet",
                        log=log)
    try:
        before = wait_for_epochs(folder, on_worker, proc, log)
        cluster.remove_node(cluster.worker, allow_graceful=False)
        assert proc.wait(timeout=240) == 0, log.read_text()[-3000:]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    epochs, trials = assert_each_epoch_once(folder)
    assert epochs["node"].nunique() == 2
    assert set(trials["status"]) == {"completed"} and (trials["epochs_run"] == EPOCHS).all()
    interrupted = before.loc[before["node"].str.endswith(worker_id), "trial_id"].unique()
    resumed = []
    for trial_id in interrupted:
        rows = epochs[epochs["trial_id"] == trial_id].sort_values("epoch")
        if rows["node"].nunique() == 2:
            first_elsewhere = rows.loc[~rows["node"].str.endswith(worker_id), "epoch"].min()
            assert rows.loc[rows["epoch"] < first_elsewhere, "node"].str.endswith(worker_id).all()
            resumed.append(first_elsewhere)
    assert resumed and min(resumed) > 1, "an interrupted trial must continue from its checkpoint, not epoch 1"


def test_sweeps_resume_finishes_a_sweep_whose_driver_was_killed(cluster: Any, tmp_path: Path) -> None:
    spec = cluster_spec("driver-kill", tmp_path)
    results, log = tmp_path / "results", tmp_path / "driver.log"
    folder = results / "driver-kill"
    proc = start_driver("run", str(spec), "--address", cluster.address, "--results", str(results), "--quiet",
                        log=log)
    try:
        wait_for_epochs(folder, lambda e: len(e) >= 8, proc, log)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    stored = pd.read_parquet(folder / "epochs.parquet")
    resume = subprocess.run(sweeps_command("resume", str(folder), "--address", cluster.address, "--quiet"),
                            capture_output=True, text=True, env=driver_env(), timeout=300)
    assert resume.returncode == 0, resume.stdout[-3000:] + resume.stderr[-3000:]
    epochs, trials = assert_each_epoch_once(folder)
    assert len(trials) == 4 and set(trials["status"]) == {"completed"}
    assert len(epochs) == 4 * EPOCHS
    kept = stored.merge(epochs, on=["trial_id", "epoch"], suffixes=("", "_after"))
    assert len(kept) == len(stored)
    facts = json.loads((folder / "run.json").read_text())
    assert facts["finished"] and facts["chosen"]["trial_id"] in set(trials["trial_id"])
