"""The live progress line counts every status, and shows a user model's own hyperparameters."""

from __future__ import annotations

from sweeps.progress import progress_line


def test_the_line_counts_interrupted_trials_and_pending_ones() -> None:
    line = progress_line({"completed": 1, "interrupted": 2}, 5, None, "val_loss", 65)
    assert line == "[1:05] 5 trials: 2 pending, 1 completed, 2 interrupted"


def test_the_best_trial_shows_a_user_models_hyperparameters() -> None:
    best = {"optimizer": "adam", "learning_rate": 0.01, "units": 16, "best_val_mae": 0.25, "best_epoch": 3}
    line = progress_line({"running": 1}, 1, best, "val_mae", 1, extra=("units",))
    assert line.endswith("| best val_mae 0.2500 (adam lr=0.01 units=16, epoch 3)")
