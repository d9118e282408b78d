"""End to end through real Ray Tune and Keras: Parquet holds every epoch once, statuses are right."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import sweeps
from sweeps.results import constants as c
from tests.conftest import tiny_spec

pytestmark = pytest.mark.slow


def test_asha_sweep_stores_one_row_per_trial_per_epoch(sweep_folder: Path) -> None:
    epochs = pd.read_parquet(sweep_folder / c.EPOCHS_FILE)
    trials = pd.read_parquet(sweep_folder / c.TRIALS_FILE)
    assert len(trials) == 16
    assert not epochs.duplicated([c.TRIAL_ID, c.EPOCH]).any()
    per_trial = epochs.groupby(c.TRIAL_ID)[c.EPOCH].agg(["min", "max", "count"])
    assert (per_trial["min"] == 1).all() and (per_trial["max"] == per_trial["count"]).all()
    runs = trials.set_index(c.TRIAL_ID)[c.EPOCHS_RUN]
    assert per_trial["count"].sort_index().tolist() == runs.sort_index().tolist()
    assert epochs[c.NODE].notna().all() and (epochs[c.EPOCH_SECONDS] > 0).all()
    assert set(epochs["optimizer"]) == {"sgd", "adam"} and set(epochs["width"]) == {8, 32}


def test_epoch_rows_carry_precise_times_and_their_worker(sweep_folder: Path) -> None:
    epochs = pd.read_parquet(sweep_folder / c.EPOCHS_FILE).sort_values([c.TRIAL_ID, c.EPOCH])
    assert (epochs[c.TIMESTAMP] % 1 != 0).any(), "timestamps were rounded to whole seconds"
    between = epochs.groupby(c.TRIAL_ID)[c.TIMESTAMP].diff().dropna()
    later = epochs.loc[between.index, c.EPOCH_SECONDS]
    assert (between >= later - 1e-3).all(), "two reports closer together than the epoch between them"
    first = epochs[epochs[c.EPOCH] == 1]
    assert (first[c.SETUP_SECONDS] > 0).all() and epochs.loc[epochs[c.EPOCH] > 1, c.SETUP_SECONDS].isna().all()
    assert (epochs[c.PID] > 0).all()


def test_asha_prunes_and_every_trial_ends_with_a_status(sweep_folder: Path) -> None:
    trials = pd.read_parquet(sweep_folder / c.TRIALS_FILE)
    assert set(trials[c.STATUS]) <= {c.COMPLETED, c.EARLY_STOPPED, c.PRUNED, c.DIVERGED}
    assert (trials[c.STATUS] == c.PRUNED).sum() >= 4
    pruned = trials[trials[c.STATUS] == c.PRUNED]
    assert (pruned[c.EPOCHS_RUN] < 6).all()
    completed = trials[trials[c.STATUS] == c.COMPLETED]
    assert (completed[c.EPOCHS_RUN] == 6).all()


def test_best_metrics_agree_with_epoch_rows_and_one_trial_is_chosen(sweep_folder: Path) -> None:
    epochs = pd.read_parquet(sweep_folder / c.EPOCHS_FILE)
    trials = pd.read_parquet(sweep_folder / c.TRIALS_FILE).set_index(c.TRIAL_ID)
    best = epochs.loc[epochs.groupby(c.TRIAL_ID)["val_loss"].idxmin()].set_index(c.TRIAL_ID)
    pd.testing.assert_series_equal(trials["best_val_loss"].sort_index(), best["val_loss"].sort_index(),
                                   check_names=False)
    chosen = trials[trials[c.CHOSEN]]
    assert len(chosen) == 1
    assert chosen["best_val_loss"].iloc[0] == trials["best_val_loss"].min()
    assert 0.5 < chosen["test_accuracy"].iloc[0] <= 1.0
    assert trials.loc[~trials[c.CHOSEN], "test_accuracy"].isna().all()


def test_run_facts_and_resolved_spec_are_written(sweep_folder: Path) -> None:
    facts = json.loads((sweep_folder / c.RUN_FILE).read_text())
    trials = pd.read_parquet(sweep_folder / c.TRIALS_FILE)
    assert facts["trials_total"] == 16 and facts["finished"]
    assert {k: n for k, n in facts["counts"].items() if n} == trials[c.STATUS].value_counts().to_dict()
    scored = trials.loc[trials[c.CHOSEN] & trials["test_loss"].notna()]
    assert len(scored) == 1
    representative = scored.iloc[0]
    chosen = facts["chosen"]
    assert chosen["trial_id"] == representative[c.TRIAL_ID] and chosen["best_epoch"] == representative[c.BEST_EPOCH]
    assert chosen["retrained"]["val_loss"] == pytest.approx(representative["best_val_loss"], rel=1e-4)
    assert chosen["test_loss"] == pytest.approx(representative["test_loss"], rel=1e-12)
    assert sweeps.load_spec(sweep_folder / c.SPEC_FILE).axes == ["width", "depth", "optimizer", "learning_rate"]


def test_a_diverging_trial_ends_diverged_while_the_others_finish(ray_local: Any, tmp_path: Path) -> None:
    spec = tiny_spec("diverge",
                     model={"family": "mlp", "width": 32, "depth": 2},
                     train={"optimizer": "sgd", "learning_rate": {"grid": [0.05, 1e10]}, "max_epochs": 3},
                     search={"scheduler": "fifo"})
    outcome = sweeps.run(spec, results=tmp_path, progress=False)
    trials = pd.read_parquet(outcome.folder / c.TRIALS_FILE).set_index("learning_rate")
    assert trials.loc[1e10, c.STATUS] == c.DIVERGED
    assert trials.loc[0.05, c.STATUS] == c.COMPLETED and trials.loc[0.05, c.EPOCHS_RUN] == 3
    assert trials.loc[0.05, c.CHOSEN]


def test_existing_results_are_never_overwritten_silently(sweep_folder: Path) -> None:
    with pytest.raises(sweeps.SpecError, match="already holds results; resume it"):
        sweeps.run(tiny_spec("tiny-asha"), results=sweep_folder.parent)


def test_cli_status_reports_counts_and_best(sweep_folder: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "sweeps.cli", "status", str(sweep_folder)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "tiny-asha (finished): 16 trials" in proc.stdout
    assert "pruned" in proc.stdout and "best val_loss:" in proc.stdout


def test_results_can_go_to_a_filesystem_uri(ray_local: Any, tmp_path: Path) -> None:
    spec = tiny_spec("uri", model={"width": 8}, train={"optimizer": "adam", "learning_rate": {"grid": [0.01, 0.03]},
                                                        "max_epochs": 2}, search={"scheduler": "fifo"})
    outcome = sweeps.run(spec, results=f"file://{tmp_path}/store", progress=False)
    assert outcome.folder == f"file://{tmp_path}/store/uri"
    folder = tmp_path / "store" / "uri"
    trials = pd.read_parquet(folder / c.TRIALS_FILE)
    assert len(trials) == 2 and set(trials[c.STATUS]) == {c.COMPLETED}
    assert len(pd.read_parquet(folder / c.EPOCHS_FILE)) == 4
    assert not list(folder.glob(".*.tmp"))
    info = sweeps.status(outcome.folder)
    assert info["counts"][c.COMPLETED] == 2 and info["folder"] == outcome.folder
    with pytest.raises(sweeps.SpecError, match="already holds results"):
        sweeps.run(spec, results=f"file://{tmp_path}/store")
