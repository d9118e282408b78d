from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis import summarise as s
from sweeps.search.rungs import rung_epochs


def test_best_epoch_per_trial_skips_nan_and_inf(tiny_epochs: pd.DataFrame) -> None:
    best = s.best_epochs(tiny_epochs, "val_loss", "min")
    # a: 1.0, 0.5, 0.4, 0.6 -> epoch 3; b: 0.8, nan, 0.3, 0.3 -> epoch 3 (earliest of the tie); c: inf, nan -> none
    assert best["trial_id"].tolist() == ["b", "a"]
    assert best["best_epoch"].tolist() == [3, 3]
    assert best["val_loss"].tolist() == [0.3, 0.4]
    assert best["loss"].tolist() == [0.25, 0.3]
    assert best["epochs_reached"].tolist() == [4, 4]


def test_best_epoch_mode_max_and_row_order_does_not_matter(tiny_epochs: pd.DataFrame) -> None:
    shuffled = tiny_epochs.sample(frac=1.0, random_state=3)
    best = s.best_epochs(shuffled, "val_loss", "max")
    assert dict(zip(best["trial_id"], best["best_epoch"])) == {"a": 1, "b": 1}
    assert best["trial_id"].tolist() == ["a", "b"]


def test_best_epochs_names_missing_columns(tiny_epochs: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"missing column\(s\) val_accuracy; available columns are: .*val_loss"):
        s.best_epochs(tiny_epochs, "val_accuracy", "max")
    with pytest.raises(ValueError, match="mode must be 'min' or 'max', got 'lowest'"):
        s.best_epochs(tiny_epochs, "val_loss", "lowest")


def test_gap_is_positive_when_validation_is_worse(tiny_epochs: pd.DataFrame) -> None:
    best = s.best_epochs(tiny_epochs, "val_loss", "min")
    assert s.train_validation_gap(best, "val_loss", "min").round(12).tolist() == [0.05, 0.1]
    frame = pd.DataFrame({"val_accuracy": [0.8], "accuracy": [0.95], "val_loss": [1.0], "loss": [0.5]})
    assert s.train_validation_gap(frame, "val_accuracy", "max").round(12).tolist() == [0.15]
    assert s.gap_label("val_accuracy", "max", frame.columns) == "accuracy − val_accuracy"
    assert s.gap_label("loss", "min", frame.columns) == "val_loss − loss"
    with pytest.raises(ValueError, match="val_loss and loss"):
        s.train_validation_gap(frame[["val_accuracy"]], "val_accuracy", "max")


def test_capacity_keeps_the_best_trial_per_cell(tiny_epochs: pd.DataFrame) -> None:
    best = s.best_epochs(tiny_epochs, "val_loss", "min")
    table = s.capacity(best, "val_loss", "min")
    assert table[["depth", "width", "trials", "val_loss", "best_epoch", "trial_id"]].values.tolist() == [
        [1, 16, 1, 0.4, 3, "a"], [1, 64, 1, 0.3, 3, "b"]]
    assert table["gap"].round(12).tolist() == [0.1, 0.05]


def test_capacity_picks_best_of_several_trials_in_a_cell() -> None:
    best = pd.DataFrame({"sweep": "s", "trial_id": ["x", "y", "z"], "best_epoch": [4, 2, 7], "width": [8, 8, 8],
                         "depth": [2, 2, 2], "val_loss": [0.5, 0.2, np.nan], "loss": [0.1, 0.15, 0.1]})
    table = s.capacity(best, "val_loss", "min")
    assert table[["trials", "val_loss", "best_epoch", "trial_id"]].values.tolist() == [[3, 0.2, 2, "y"]]
    assert table["gap"].round(12).tolist() == [0.05]


def test_optimizers_table(tiny_epochs: pd.DataFrame) -> None:
    table = s.optimizers(s.best_epochs(tiny_epochs, "val_loss", "min"), "val_loss", "min")
    assert table[["optimizer", "learning_rate", "trials", "val_loss", "best_epoch"]].values.tolist() == [
        ["adam", 0.01, 1, 0.4, 3], ["sgd", 0.1, 1, 0.3, 3]]


def test_epochs_reached_counts_diverged_trials(tiny_epochs: pd.DataFrame) -> None:
    reached = s.epochs_reached(tiny_epochs)
    assert dict(zip(reached["trial_id"], reached["epochs_reached"])) == {"a": 4, "b": 4, "c": 2}


def test_survivors_per_rung() -> None:
    reached = pd.Series([1, 2, 2, 6, 18, 18])
    table = s.survivors(reached, [6, 2, 18])
    assert table["rung"].tolist() == [2, 6, 18]
    assert table["survivors"].tolist() == [5, 3, 2]
    assert table["fraction"].tolist() == pytest.approx([5 / 6, 0.5, 1 / 3])


@pytest.mark.parametrize("grace, factor, max_epochs, expected", [
    (2, 3, 20, (2, 6, 18)), (1, 3, 30, (1, 3, 9, 27)), (1, 2, 8, (1, 2, 4)), (2, 3, 18, (2, 6)), (5, 3, 4, ()),
    (1, 2.5, 10, (1, 3, 7)),
])
def test_rung_epochs(grace: int, factor: float, max_epochs: int, expected: tuple[int, ...]) -> None:
    assert rung_epochs(grace, factor, max_epochs) == expected


def test_rung_epochs_rejects_a_factor_of_one() -> None:
    with pytest.raises(ValueError, match="reduction_factor > 1"):
        rung_epochs(1, 1.0, 10)


def test_status_counts_in_report_order() -> None:
    trials = pd.DataFrame({"status": ["pruned", "completed", "pruned", None, "odd"]})
    assert s.status_counts(trials) == {"completed": 1, "pruned": 2, "odd": 1, "unknown": 1}


def test_configuration_and_describe() -> None:
    row = pd.Series({"optimizer": "adam", "learning_rate": np.float64(0.003), "width": np.int64(64),
                     "depth": np.nan})
    config = s.configuration(row, ["optimizer", "learning_rate", "width", "depth"])
    assert config == {"optimizer": "adam", "learning_rate": 0.003, "width": 64}
    assert s.describe(config) == "optimizer=adam, learning_rate=0.003, width=64"
    assert s.format_value(math.nan) == "" and s.format_value(0.123456) == "0.1235"
