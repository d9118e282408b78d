"""The answer's honesty: test intervals, baselines and margins, the chosen configuration's runs, answer.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import analysis
from analysis.held_out import held_out_estimates, wilson
from analysis.per_optimizer import optimizer_summary
from sweeps.results import constants as c
from tests.analysis_tests.synthetic import write_results_folder

METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")


def wilson_by_roots(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The Wilson bounds as the roots of (p_hat - p)^2 = z^2 p (1 - p) / n, solved for p."""
    p_hat = successes / n
    a = 1 + z * z / n
    b = -(2 * p_hat + z * z / n)
    roots = np.sort(np.roots([a, b, p_hat * p_hat]).real)
    return float(roots[0]), float(roots[1])


@pytest.mark.parametrize(("successes", "n"), [(77, 100), (36, 36), (0, 12), (150, 1313)])
def test_wilson_interval_solves_its_quadratic(successes: int, n: int) -> None:
    assert wilson(successes, n) == pytest.approx(wilson_by_roots(successes, n), abs=1e-9)


def test_test_intervals_come_from_the_stored_rows() -> None:
    rng = np.random.default_rng(1)
    target = rng.integers(0, 3, 400)
    prediction = np.where(np.arange(400) < 300, target, (target + 1) % 3)
    probability = np.where(prediction == target, 0.8, 0.1)
    rows = pd.DataFrame({"row": np.arange(400), "target": target, "prediction": prediction,
                         "probability": probability})
    loss = float(np.mean(-np.log(probability)))
    out = held_out_estimates({"test_accuracy": 0.75, "test_loss": loss}, rows, None, "classification", "mse")
    assert out["accuracy"].method == "bootstrap" and out["loss"].method == "bootstrap"
    assert out["accuracy"].low < 0.75 < out["accuracy"].high
    assert out["loss"].low < loss < out["loss"].high
    half = 1.96 * np.sqrt(0.75 * 0.25 / 400)  # the normal approximation the bootstrap should be near
    assert out["accuracy"].high - out["accuracy"].low == pytest.approx(2 * half, rel=0.2)
    only_count = held_out_estimates({"test_accuracy": 0.75, "test_loss": loss}, None, 400, "classification", "mse")
    assert only_count["accuracy"].method == "wilson" and np.isnan(only_count["loss"].low)
    assert (only_count["accuracy"].low, only_count["accuracy"].high) == pytest.approx(wilson_by_roots(300, 400))


def test_regression_rmse_interval_brackets_the_root_mean_square() -> None:
    error = np.linspace(-2, 2, 301)
    rows = pd.DataFrame({"row": np.arange(301), "target": error + 10.0, "prediction": np.full(301, 10.0)})
    rmse = float(np.sqrt(np.mean(error**2)))
    out = held_out_estimates({"test_rmse": rmse, "test_mae": float(np.mean(np.abs(error)))}, rows, None,
                         "regression", "mse")
    assert out["rmse"].low < rmse < out["rmse"].high and out["rmse"].high < 2.0


def repeated_store(path: Path, *, majority_accuracy: float, run: dict[str, Any] | None = None,
                   spec: dict[str, Any] | None = None, predictions: pd.DataFrame | None = None) -> Path:
    """Two learning rates x three repeats: lr 0.01 scores 0.90, 0.92, 0.94 (mean 0.92, chosen); lr 0.1 has
    the luckiest single run (0.97) but a mean of 0.74."""
    scores = {0.01: (0.90, 0.92, 0.94), 0.1: (0.97, 0.60, 0.65)}
    epochs, trials = [], []
    for lr, runs in scores.items():
        for repeat, score in enumerate(runs):
            trial = f"lr{lr}-r{repeat}"
            hyper = {"optimizer": "adam", "learning_rate": lr, c.REPEAT: repeat, c.SEED: repeat}
            values = {"loss": 1 - score, "accuracy": score, "val_loss": 1 - score, "val_accuracy": score}
            epochs.append({c.SWEEP: "honest", c.TRIAL_ID: trial, c.EPOCH: 1, **hyper, **values})
            chosen = lr == 0.01
            trials.append({c.SWEEP: "honest", c.TRIAL_ID: trial, **hyper, c.STATUS: c.COMPLETED, c.EPOCHS_RUN: 1,
                           c.BEST_EPOCH: 1, **{f"best_{m}": v for m, v in values.items()}, c.CHOSEN: chosen,
                           **({"test_accuracy": 0.9, "test_loss": 0.3} if chosen and repeat == 1 else {})})
    base = {"task": "classification", "rows": {"train": 600, "validation": 200, "test": 200},
            "predictors": {"majority class": {"value": "yes", "prior": {"no": 1 - majority_accuracy,
                                                                        "yes": majority_accuracy},
                                              "validation": {"accuracy": majority_accuracy, "loss": 0.6},
                                              "test": {"accuracy": majority_accuracy, "loss": 0.6}}}}
    folder = write_results_folder(path, epochs, trials, metric="val_accuracy", mode="max",
                                  axes=["learning_rate"], metrics=METRICS,
                                  run={"name": "honest", "metric": "val_accuracy", "mode": "max",
                                       "axes": ["learning_rate"], "baselines": base, **(run or {})},
                                  spec=spec or {"name": "honest", "data": {"dataset": "digits"}})
    if predictions is not None:
        pq.write_table(pa.Table.from_pandas(predictions, preserve_index=False), folder / c.TEST_PREDICTIONS_FILE)
    return folder


def test_the_answer_is_the_best_mean_not_the_luckiest_run(tmp_path: Path) -> None:
    result = analysis.answer(analysis.load(repeated_store(tmp_path / "s", majority_accuracy=0.5)))
    assert result.configuration == {"learning_rate": 0.01} and result.runs == 3
    assert sorted(result.trial_ids) == ["lr0.01-r0", "lr0.01-r1", "lr0.01-r2"]
    assert result.trial_id == "lr0.01-r1"  # the run that was scored on the test split
    assert result.validation == pytest.approx(0.92)
    half = 4.302652730 * np.std([0.90, 0.92, 0.94], ddof=1) / np.sqrt(3)
    assert (result.validation_low, result.validation_high) == pytest.approx((0.92 - half, 0.92 + half))
    assert any("single best run is trial lr0.1-r0" in line for line in result.lines)


def test_a_score_below_the_majority_class_is_said_first(tmp_path: Path) -> None:
    result = analysis.answer(analysis.load(repeated_store(tmp_path / "s", majority_accuracy=0.95)))
    assert result.beats_baseline is False
    assert result.lines[1].startswith("No configuration beat predicting the majority class beyond noise")
    beaten = analysis.answer(analysis.load(repeated_store(tmp_path / "t", majority_accuracy=0.5)))
    assert beaten.beats_baseline is True and not beaten.lines[1].startswith("No configuration")
    validation = [i for i in beaten.improvements if i.split == "validation"][0]
    assert validation.improvement == pytest.approx(0.92 - 0.5)


def test_test_improvement_is_paired_over_the_stored_rows(tmp_path: Path) -> None:
    target = np.array([1] * 120 + [0] * 80)
    prediction = np.where(np.arange(200) % 10 < 9, target, 1 - target)  # 90% right
    rows = pd.DataFrame({"row": np.arange(200), "target": target, "prediction": prediction,
                         "probability": np.where(prediction == target, 0.9, 0.1)})
    folder = repeated_store(tmp_path / "s", majority_accuracy=0.6, predictions=rows)
    result = analysis.answer(analysis.load(folder))
    test = {i.metric: i for i in result.improvements if i.split == "test"}
    by_hand = float(np.mean(prediction == target) - np.mean(target == 1))
    assert test["accuracy"].improvement == pytest.approx(0.9 - 0.6)
    assert test["accuracy"].interval == "paired bootstrap" and test["accuracy"].low < by_hand < test["accuracy"].high
    assert test["accuracy"].beyond_noise is True
    paired = (prediction == target).astype(float) - (target == 1)
    width = 2 * 1.96 * paired.std(ddof=1) / np.sqrt(200)  # the paired normal interval the bootstrap approximates
    assert test["accuracy"].high - test["accuracy"].low == pytest.approx(width, rel=0.2)


def test_answer_json_names_the_runners_configuration(tmp_path: Path) -> None:
    folder = repeated_store(tmp_path / "s", majority_accuracy=0.5)
    analysis.write_report(folder, tmp_path / "out")
    document = json.loads((tmp_path / "out" / "answer.json").read_text())
    trials = pd.read_parquet(folder / c.TRIALS_FILE)
    chosen = trials.loc[trials[c.CHOSEN]]
    assert sorted(document["chosen"]["trial_ids"]) == sorted(chosen[c.TRIAL_ID])
    assert document["chosen"]["configuration"] == {"learning_rate": float(chosen["learning_rate"].iloc[0])}
    assert document["chosen"]["validation"]["mean"] == pytest.approx(chosen["best_val_accuracy"].mean())
    assert document["chosen"]["test"]["accuracy"]["value"] == pytest.approx(0.9)
    assert document["baselines"]["beats_baseline"] is True


@pytest.mark.parametrize(("data", "said"), [
    ({"dataset": "table", "path": "data/titanic.csv", "target": "survived"}, "on table titanic.csv?"),
    ({"load": "myloader:load"}, "on the data of loader myloader:load?"),
    ({"dataset": "mnist", "limit": 1000}, "on mnist (1000 rows)?"),
])
def test_the_question_names_the_data_as_given(tmp_path: Path, data: dict[str, Any], said: str) -> None:
    run = {"dataset": data.get("dataset", "digits")}
    folder = repeated_store(tmp_path / "s", majority_accuracy=0.5, run=run, spec={"name": "honest", "data": data})
    assert analysis.answer(analysis.load(folder)).question.endswith(said)


def test_per_optimizer_summary_uses_configuration_means() -> None:
    rows = [("adam", 0.01, 0, 0.2), ("adam", 0.01, 1, 0.4), ("adam", 0.1, 0, 0.5), ("adam", 0.1, 1, 0.5),
            ("sgd", 0.1, 0, 0.9), ("sgd", 0.1, 1, 1.1), ("sgd", 1.0, 0, float("nan")), ("sgd", 1.0, 1, float("nan"))]
    best = pd.DataFrame(rows, columns=["optimizer", "learning_rate", c.REPEAT, "val_loss"])
    table = optimizer_summary(best, "val_loss", "min", ["optimizer", "learning_rate", c.REPEAT])
    assert list(table["optimizer"]) == ["adam", "sgd"]
    adam, sgd = table.iloc[0], table.iloc[1]
    assert (adam["best"], adam["mean"], adam["worst"]) == pytest.approx((0.3, 0.4, 0.5))
    assert adam["best settings"] == "learning_rate=0.01" and adam["configurations"] == 2
    assert sgd["best"] == pytest.approx(1.0) and sgd["configurations"] == 2


def test_regression_scores_beside_the_training_mean(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    target = rng.normal(10.0, 2.0, 150)
    prediction = target + rng.normal(0.0, 0.5, 150)
    rows = pd.DataFrame({"row": np.arange(150), "target": target, "prediction": prediction})
    mae = float(np.mean(np.abs(target - prediction)))
    epochs = [{c.SWEEP: "reg", c.TRIAL_ID: f"t{i}", c.EPOCH: 1, "width": w, "loss": v, "val_loss": v,
               "mae": v, "val_mae": v} for i, (w, v) in enumerate([(8, 0.3), (16, 0.5)])]
    trials = [{c.SWEEP: "reg", c.TRIAL_ID: f"t{i}", "width": w, c.STATUS: c.COMPLETED, c.EPOCHS_RUN: 1,
               c.BEST_EPOCH: 1, "best_val_loss": v, "best_val_mae": v, c.CHOSEN: i == 0,
               **({"test_mae": mae} if i == 0 else {})} for i, (w, v) in enumerate([(8, 0.3), (16, 0.5)])]
    mean = 9.5
    base = {"task": "regression", "rows": {"train": 300, "validation": 100, "test": 150},
            "predictors": {"training mean": {"value": mean, "validation": {"mae": 1.7, "loss": 4.0},
                                             "test": {"mae": float(np.mean(np.abs(target - mean)))}}}}
    folder = write_results_folder(tmp_path / "reg", epochs, trials, axes=["width"],
                                  metrics=("loss", "mae", "val_loss", "val_mae"),
                                  run={"name": "reg", "axes": ["width"], "baselines": base},
                                  spec={"name": "reg", "data": {"load": "loader:load"}})
    pq.write_table(pa.Table.from_pandas(rows, preserve_index=False), folder / c.TEST_PREDICTIONS_FILE)
    result = analysis.answer(analysis.load(folder))
    test = [i for i in result.improvements if i.split == "test" and i.metric == "mae"][0]
    by_hand = float(np.mean(np.abs(target - mean)) - mae)
    assert test.improvement == pytest.approx(by_hand) and test.low < by_hand < test.high
    assert test.interval == "paired bootstrap" and test.beyond_noise is True
    validation = [i for i in result.improvements if i.split == "validation"][0]
    assert validation.metric == "loss" and validation.improvement == pytest.approx(4.0 - 0.3)
    assert result.held_out_estimates["mae"].method == "bootstrap"
