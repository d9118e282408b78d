"""Axis effects on synthetic stores with planted effects: verdicts, differences, intervals, diverged runs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import analysis
from analysis.effects import CATEGORICAL, LOG, OTHER_AXES, REPEATS, WITHIN, WORSE, AxisEffect, axis_effects
from sweeps.results import constants as c
from tests.analysis_tests.synthetic import planted_sweep

PLANTED = {"dropout": [0.0, 0.9], "learning_rate": [0.01, 0.0105]}


def dropout_matters(hyper: Mapping[str, Any]) -> float:
    """Dropout 0.9 costs 0.31; the two learning rates do nothing."""
    return 0.95 - 0.31 * (hyper["dropout"] == 0.9)


def effects_of(folder: Path, **kwargs: Any) -> tuple[dict[str, AxisEffect], pd.DataFrame]:
    results = analysis.load(folder)
    info = next(iter(results.sweeps.values()))
    best = analysis.best_epochs(results.epochs, info.metric, info.mode)
    return axis_effects(best, results.trials, info.metric, info.mode, info.axes, **kwargs), best


def planted(tmp_path: Path, axes: Mapping[str, Sequence[Any]] = PLANTED,
            score: Callable[[Mapping[str, Any]], float] = dropout_matters, **kwargs: Any) -> Path:
    return planted_sweep(tmp_path / "planted", axes, score, **kwargs)


def test_planted_effect_is_clearly_worse_and_the_null_axis_within_noise(tmp_path: Path) -> None:
    effects, _ = effects_of(planted(tmp_path, repeats=5))
    assert list(effects) == ["dropout", "learning_rate"]
    dropout, rate = effects["dropout"].table, effects["learning_rate"].table
    assert dropout["value"].tolist() == [0.0, 0.9]
    assert dropout["verdict"].tolist() == ["best", WORSE]
    high_dropout = dropout.iloc[1]
    assert high_dropout["diff"] == pytest.approx(-0.31, abs=0.01)
    assert high_dropout["diff_low"] <= high_dropout["diff"] <= high_dropout["diff_high"] < 0
    assert rate["verdict"].tolist() == ["best", WITHIN] or rate["verdict"].tolist() == [WITHIN, "best"]
    other = rate.loc[rate["verdict"] == WITHIN].iloc[0]
    assert other["diff_low"] < 0 < other["diff_high"]
    assert effects["dropout"].interval_over == REPEATS
    assert effects["dropout"].effect_sd > 10 > 2 > effects["learning_rate"].effect_sd
    sentence = effects["dropout"].sentence
    assert sentence.startswith("dropout: 0 best (val_accuracy 0.9")
    assert "; 0.9 clearly worse, by 0.3" in sentence
    assert "within noise" in effects["learning_rate"].sentence


def test_mean_and_difference_in_a_full_grid_are_plain_means(tmp_path: Path) -> None:
    effects, best = effects_of(planted(tmp_path, repeats=3))
    table = effects["dropout"].table.set_index("value")
    by_hand = best.groupby("dropout")["val_accuracy"].mean()
    assert table["mean"].to_numpy() == pytest.approx(by_hand.to_numpy())
    assert table.loc[0.9, "diff"] == pytest.approx(by_hand[0.9] - by_hand[0.0])
    assert table["runs"].tolist() == [6, 6] and table["diverged"].tolist() == [0, 0]
    assert table["best"].to_numpy() == pytest.approx(best.groupby("dropout")["val_accuracy"].max().to_numpy())
    repeat_sd = best.groupby(["dropout", "learning_rate"])["val_accuracy"].var().mean() ** 0.5  # equal groups
    assert effects["dropout"].effect_sd == pytest.approx(abs(by_hand[0.9] - by_hand[0.0]) / repeat_sd)


def test_runs_sharing_a_seed_are_paired(tmp_path: Path) -> None:
    """Large seed noise shared by a repeat's runs: the difference's interval is far narrower than a mean's."""
    effects, _ = effects_of(planted(tmp_path, repeats=6, seed_noise=0.05, run_noise=0.001))
    table = effects["learning_rate"].table
    other = table.loc[table["verdict"] != "best"].iloc[0]
    mean_width = float((table["high"] - table["low"]).min())
    assert other["diff_high"] - other["diff_low"] < 0.2 * mean_width


def test_user_axes_with_list_and_boolean_values(tmp_path: Path) -> None:
    axes = {"layer_units": [[32], [64, 32]], "bn": [True, False]}
    folder = planted(tmp_path, axes, lambda h: 0.7 + 0.2 * (h["layer_units"] == [64, 32]), repeats=3,
                     user={"layer_units": "str", "bn": "bool"})
    effects, _ = effects_of(folder)
    units, bn = effects["layer_units"], effects["bn"]
    assert (units.kind, bn.kind) == (CATEGORICAL, CATEGORICAL)
    assert units.table["value"].tolist() == ["32", "64-32"]
    assert units.table["verdict"].tolist() == [WORSE, "best"]
    assert bn.table["value"].tolist() == [False, True]
    assert bn.table["runs"].tolist() == [6, 6]
    assert units.sentence.startswith("layer_units: 64-32 best (val_accuracy 0.9")


def test_list_values_in_memory_are_grouped_like_stored_ones() -> None:
    best = pd.DataFrame({"sweep": "s", "trial_id": ["a", "b", "c", "d"], "widths": [[100, 50], [100, 50], [50], [50]],
                         "repeat": [0, 1, 0, 1], "val_loss": [0.1, 0.2, 0.5, 0.7]})
    table = axis_effects(best, None, "val_loss", "min", ["widths", "repeat"])["widths"].table
    assert table["value"].tolist() == ["50", "100-50"]
    assert table["mean"].tolist() == pytest.approx([0.6, 0.15])


def test_one_repeat_intervals_are_over_the_other_axes(tmp_path: Path) -> None:
    axes = {"dropout": [0.0, 0.9], "learning_rate": [0.01, 0.0105, 0.011, 0.0115, 0.012]}
    effects, best = effects_of(planted(tmp_path, axes, repeats=1, run_noise=0.01))
    dropout = effects["dropout"]
    assert dropout.interval_over == OTHER_AXES
    assert "intervals over the other axes' values (one run per configuration)" in dropout.sentence
    table = dropout.table.set_index("value")
    cells = best.loc[best["dropout"] == 0.0, "val_accuracy"]
    assert cells.min() <= table.loc[0.0, "low"] < table.loc[0.0, "mean"] < table.loc[0.0, "high"] <= cells.max()
    assert table.loc[0.9, "verdict"] == WORSE
    assert np.isnan(dropout.effect_sd)
    assert effects["learning_rate"].kind != LOG


def test_one_run_per_value_has_no_interval() -> None:
    best = pd.DataFrame({"sweep": "s", "trial_id": ["a", "b"], "optimizer": ["adam", "sgd"], "val_loss": [0.1, 0.3]})
    effect = axis_effects(best, None, "val_loss", "min", ["optimizer"])["optimizer"]
    assert effect.interval_over == "none"
    assert effect.table["verdict"].tolist() == ["best", "cannot tell"]
    assert effect.sentence == ("optimizer: adam best (val_loss 0.1, no interval); sgd cannot be told from noise "
                               "(one run per value)")


def test_diverged_runs_count_as_the_worst_score(tmp_path: Path) -> None:
    folder = planted(tmp_path, repeats=4, diverged=lambda h: h["dropout"] == 0.9 and h["learning_rate"] == 0.0105)
    effects, best = effects_of(folder)
    assert best["dropout"].eq(0.9).sum() == 4  # the diverged runs have no finite score
    worst = best["val_accuracy"].min()
    table = effects["dropout"].table.set_index("value")
    assert table.loc[0.9, "runs"] == 8 and table.loc[0.9, "diverged"] == 4
    finite = best.loc[best["dropout"] == 0.9, "val_accuracy"].mean()
    assert table.loc[0.9, "mean"] == pytest.approx((finite + worst) / 2)
    assert table.loc[0.9, "best"] == pytest.approx(best.loc[best["dropout"] == 0.9, "val_accuracy"].max())
    assert table.attrs["worst"] == pytest.approx(worst)
    assert "diverged runs, counted as the worst score: 0.9 (4 of 8)" in effects["dropout"].sentence
    rate = effects["learning_rate"].table.set_index("value")
    assert rate.loc[0.0105, "diverged"] == 4 and rate.loc[0.01, "diverged"] == 0


def test_same_seed_same_tables_and_resamples_checked(tmp_path: Path) -> None:
    axes = {"dropout": [0.0, 0.9], "learning_rate": [0.01, 0.0105, 0.011, 0.0115, 0.012, 0.0125]}
    folder = planted(tmp_path, axes, repeats=1, run_noise=0.01)
    first, _ = effects_of(folder, seed=3, resamples=200)
    again, _ = effects_of(folder, seed=3, resamples=200)
    other, _ = effects_of(folder, seed=4, resamples=200)
    pd.testing.assert_frame_equal(first["dropout"].table, again["dropout"].table, check_exact=True)
    assert not first["dropout"].table[["low", "high"]].equals(other["dropout"].table[["low", "high"]])
    with pytest.raises(ValueError, match="resamples must be >= 1, got 0"):
        effects_of(folder, resamples=0)


def test_difference_pairs_only_the_cells_both_values_share() -> None:
    """Dropout 0.9 ran only at rate 0.01, so it is compared with dropout 0 at rate 0.01 (0.81), not its mean (0.865)."""
    rows = [(0.0, 0.01, 0.80), (0.0, 0.01, 0.82), (0.0, 0.1, 0.90), (0.0, 0.1, 0.94), (0.9, 0.01, 0.70),
            (0.9, 0.01, 0.74)]
    best = pd.DataFrame([{"sweep": "s", "trial_id": f"t{i}", "dropout": d, "learning_rate": lr, "repeat": i % 2,
                          "val_accuracy": v} for i, (d, lr, v) in enumerate(rows)])
    table = axis_effects(best, None, "val_accuracy", "max", ["dropout", "learning_rate", "repeat"])["dropout"].table
    table = table.set_index("value")
    assert table.loc[0.0, "mean"] == pytest.approx((0.81 + 0.92) / 2)
    assert table.loc[0.9, "mean"] == pytest.approx(0.72)
    assert table.loc[0.9, "diff"] == pytest.approx(0.72 - 0.81)
    assert table.loc[0.9, "diff_low"] <= table.loc[0.9, "diff"] <= table.loc[0.9, "diff_high"]


def test_random_search_values_are_binned_by_equal_counts() -> None:
    rates = np.geomspace(1e-4, 1e-1, 48)
    best = pd.DataFrame({"sweep": "s", "trial_id": [f"t{i}" for i in range(48)], "learning_rate": rates,
                         "val_loss": np.log10(rates) ** 2})
    effect = axis_effects(best, None, "val_loss", "min", ["learning_rate"])["learning_rate"]
    assert effect.kind == LOG
    assert effect.table["runs"].tolist() == [4] * 12
    assert effect.table["value"].to_numpy() == pytest.approx(np.median(rates.reshape(12, 4), axis=1))
    assert effect.table["mean"].to_numpy() == pytest.approx((np.log10(rates) ** 2).reshape(12, 4).mean(axis=1))


def test_an_accuracy_interval_never_leaves_zero_to_one(tmp_path: Path) -> None:
    """Two cells near 1 (one run each): a bootstrap over them, widened for so few, would pass 1."""
    rows = [{"skip": skip, "units": units, "val_accuracy": score} for skip, units, score in
            [(True, 16, 0.94), (True, 64, 0.99), (False, 16, 0.90), (False, 64, 0.98)]]
    best = pd.DataFrame([{c.SWEEP: "s", c.TRIAL_ID: f"t{i}", **row} for i, row in enumerate(rows)])
    effect = axis_effects(best, None, "val_accuracy", "max", ["skip", "units"])["skip"]
    assert (effect.table["high"] <= 1.0).all() and (effect.table["low"] >= 0.0).all()
    assert effect.table["high"].max() == 1.0
