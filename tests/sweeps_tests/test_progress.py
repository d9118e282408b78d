"""The live progress line counts every status, and shows a user model's own hyperparameters."""

from __future__ import annotations

from sweeps.progress import describe_choice, progress_line


def test_the_line_counts_interrupted_trials_and_pending_ones() -> None:
    line = progress_line({"completed": 1, "interrupted": 2}, 5, None, "val_loss", 65)
    assert line == "[1:05] 5 trials: 2 pending, 1 completed, 2 interrupted"


def test_the_best_trial_shows_a_user_models_hyperparameters() -> None:
    best = {"optimizer": "adam", "learning_rate": 0.01, "units": 16, "best_val_mae": 0.25, "best_epoch": 3}
    line = progress_line({"running": 1}, 1, best, "val_mae", 1, extra=("units",))
    assert line.endswith("| best val_mae 0.2500 (adam lr=0.01 units=16, epoch 3)")


def test_the_chosen_configuration_names_every_searched_axis_and_its_repeats() -> None:
    best = {"optimizer": "adam", "learning_rate": 0.003, "width": 64, "units": 16, "repeat": 0, "seed": 0,
            "trial_id": "a_2", "trial_ids": ["a_1", "a_2", "a_3"], "runs": 3, "scored_runs": 2,
            "mean_val_loss": 0.13564}
    line = describe_choice(best, "val_loss", ["width", "units", "learning_rate", "repeat"])
    assert line == "adam width=64 lr=0.003 units=16 (mean val_loss 0.1356 over 2 of 3 runs; trials a_1, a_2, a_3)"
    assert describe_choice({**best, "trial_ids": ["a_2"]}, "val_loss", ["units"]).endswith("units=16 (trial a_2)")
