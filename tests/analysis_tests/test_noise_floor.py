"""The noise floor: a hand-computed one-way ANOVA, the metric's resolution, and ties at that resolution."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analysis
from analysis.noise_floor import infer_rows, noise_floor, resolution, validation_rows, variance_split
from tests.analysis_tests.synthetic import planted_sweep


def test_variance_split_matches_a_hand_computed_anova() -> None:
    """A: 1, 2, 3 (mean 2); B: 4, 6 (mean 5); grand mean 3.2."""
    split = variance_split([1.0, 2.0, 3.0, 4.0, 6.0, math.nan], ["A", "A", "A", "B", "B", "B"])
    assert (split.configurations, split.runs, split.between_df, split.within_df) == (2, 5, 1, 3)
    assert split.between_ss == pytest.approx(3 * 1.2**2 + 2 * 1.8**2)  # 10.8
    assert split.within_ss == pytest.approx(1 + 0 + 1 + 1 + 1)  # 4
    assert split.within_ms == pytest.approx(4 / 3)
    assert split.f == pytest.approx(10.8 / (4 / 3))
    n0 = 5 - (3**2 + 2**2) / 5  # 2.4, the mean group size corrected for unequal groups
    between = (10.8 - 4 / 3) / n0
    assert split.between_var == pytest.approx(between)
    assert split.between_share == pytest.approx(between / (between + 4 / 3))
    assert split.repeat_sd == pytest.approx(math.sqrt(4 / 3))


def test_variance_split_without_repeats_has_no_repeat_sd() -> None:
    split = variance_split([1.0, 2.0, 4.0], ["a", "b", "c"])
    assert split.within_df == 0
    assert math.isnan(split.repeat_sd) and math.isnan(split.between_share)


def test_rows_inferred_from_float32_accuracies() -> None:
    accuracies = np.array([36, 35, 33, 30, 35], dtype=np.float32) / np.float32(36)
    assert infer_rows(accuracies.astype(float)) == 36
    assert infer_rows([0.5, 1.0, 0.75]) is None  # too few distinct values to be sure
    assert infer_rows(np.random.default_rng(0).random(20)) is None
    assert resolution("val_loss", [0.1, 0.2]).source == "continuous"
    assert resolution("val_accuracy", [0.5, 1.0], rows=36).rows == 36
    assert resolution("val_accuracy", [0.5, 1.0]).source == "unknown"


def tied(tmp_path: Path, run: dict | None) -> Path:
    """Seven widths, two repeats, no noise: five reach 36/36 on every run, 256 one row less, 512 two."""
    scores = {256: 35 / 36, 512: 34 / 36}
    return planted_sweep(tmp_path / "tied", {"width": [8, 16, 32, 64, 128, 256, 512]},
                         lambda h: scores.get(h["width"], 1.0), repeats=2, seed_noise=0.0, run_noise=0.0, run=run)


def test_ties_at_the_resolution_of_36_validation_rows(tmp_path: Path) -> None:
    results = analysis.load(tied(tmp_path, {"baselines": {"rows": {"validation": 36}}}))
    info = results.sweeps["planted"]
    best = analysis.best_epochs(results.epochs, info.metric, info.mode)
    assert validation_rows(info) == 36
    floor = noise_floor(best, results.trials, info.metric, info.mode, info.axes, rows=validation_rows(info))
    assert floor.resolution.rows == 36 and floor.resolution.source == "run.json"
    assert floor.ties == 5 and floor.tie_value == pytest.approx(1.0)
    assert "5 configurations tie at val_accuracy 1: the 36 validation rows cannot separate them." in floor.sentences
    assert "val_accuracy on 36 validation rows moves in steps of 0.02778 (1/36)." in floor.sentences


def test_no_row_count_and_too_few_scores_say_unknown(tmp_path: Path) -> None:
    results = analysis.load(tied(tmp_path, None))
    info = results.sweeps["planted"]
    best = analysis.best_epochs(results.epochs, info.metric, info.mode)
    assert validation_rows(info) is None
    floor = noise_floor(best, results.trials, info.metric, info.mode, info.axes)
    assert floor.resolution.source == "unknown"
    assert floor.ties == 5
    assert "5 configurations tie at val_accuracy 1: the data does not rank them." in floor.sentences


def test_noise_floor_sentence_states_the_split() -> None:
    best = pd.DataFrame({"sweep": "s", "trial_id": list("abcde"), "optimizer": ["adam"] * 3 + ["sgd"] * 2,
                         "repeat": [0, 1, 2, 0, 1], "val_loss": [1.0, 2.0, 3.0, 4.0, 6.0]})
    floor = noise_floor(best, None, "val_loss", "min", ["optimizer", "repeat"])
    assert floor.sentences[0] == ("Of the variance of val_loss over runs, 74.7% lies between configurations and "
                                  "25.3% between repeats of one configuration (repeat SD 1.155; F = 8.1 on 1 and "
                                  "3 degrees of freedom).")
    once = noise_floor(best.head(1), None, "val_loss", "min", ["optimizer", "repeat"])
    assert once.sentences[0].startswith("Every configuration ran once")
