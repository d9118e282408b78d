"""A repeated sweep through real Ray and Keras: every place that names the choice names the best mean.

Also what the chosen configuration's test scoring leaves behind (test_predictions.parquet) and the
per-trial cost columns, checked against numbers computed here from the stored rows.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from sweeps import cli
from sweeps.results import constants as c
from tests.conftest import tiny_spec

pytestmark = pytest.mark.slow

REPEATS = 3
WIDTHS = (8, 16)
PARAMS = {8: 64 * 8 + 8 + 8 * 10 + 10, 16: 64 * 16 + 16 + 16 * 10 + 10}
"""Digits' 64 inputs -> Dense(width) -> Dense(10 classes): weights plus biases."""


@pytest.fixture(scope="module")
def repeated(ray_local: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The sweep run and its status read through the CLI, with what each printed."""
    import contextlib
    import io

    root = tmp_path_factory.mktemp("repeated")
    spec = tiny_spec("repeated", model={"family": "mlp", "width": {"grid": list(WIDTHS)}, "depth": 1},
                     train={"optimizer": "adam", "learning_rate": 0.01, "batch_size": 64, "max_epochs": 3},
                     search={"scheduler": "fifo", "metric": "val_loss", "num_samples": REPEATS})
    path = root / "repeated.yaml"
    path.write_text(yaml.safe_dump(spec))
    printed = {}
    for verb, argv in (("run", ["run", str(path), "--results", str(root / "results"), "--quiet"]),
                       ("status", ["status", str(root / "results" / "repeated")])):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert cli.main(argv) == 0
        printed[verb] = out.getvalue()
    return {"folder": root / "results" / "repeated", **printed}


def _best_mean(trials: pd.DataFrame) -> tuple[int, float]:
    means = trials.groupby("width")["best_val_loss"].mean()
    return int(means.idxmin()), float(means.min())


def test_run_json_trials_and_both_console_lines_name_the_best_mean(repeated: dict[str, Any]) -> None:
    folder = repeated["folder"]
    trials = pd.read_parquet(folder / c.TRIALS_FILE)
    assert len(trials) == len(WIDTHS) * REPEATS and trials["best_val_loss"].notna().all()
    width, mean = _best_mean(trials)
    ids = sorted(trials.loc[trials["width"] == width, c.TRIAL_ID])
    assert sorted(trials.loc[trials[c.CHOSEN], c.TRIAL_ID]) == ids
    mine = trials[trials["width"] == width]
    representative = mine.loc[mine["best_val_loss"].idxmin(), c.TRIAL_ID]
    assert trials.loc[trials["test_accuracy"].notna(), c.TRIAL_ID].tolist() == [representative]

    chosen = json.loads((folder / c.RUN_FILE).read_text())["chosen"]
    assert chosen["configuration"]["width"] == width and sorted(chosen["trial_ids"]) == ids
    assert chosen["runs"] == REPEATS and chosen["mean_val_loss"] == pytest.approx(mean, rel=1e-12)
    assert chosen["trial_id"] == representative and "test_accuracy" in chosen

    run_line = next(line for line in repeated["run"].splitlines() if line.startswith("best: "))
    status_line = next(line for line in repeated["status"].splitlines() if line.startswith("best: "))
    assert f" width={width} depth=1 " in run_line
    assert f"(mean val_loss {mean:.4f} over {REPEATS} runs; trials {', '.join(ids)})" in run_line
    assert status_line == run_line


def test_the_reports_answer_names_the_same_configuration(repeated: dict[str, Any], tmp_path: Any) -> None:
    import analysis

    folder = repeated["folder"]
    trials = pd.read_parquet(folder / c.TRIALS_FILE)
    width, mean = _best_mean(trials)
    analysis.write_report(folder, tmp_path / "report")
    document = json.loads((tmp_path / "report" / "answer.json").read_text())
    chosen = document["chosen"]
    assert chosen["configuration"]["width"] == width and chosen["runs"] == REPEATS
    assert sorted(chosen["trial_ids"]) == sorted(trials.loc[trials["width"] == width, c.TRIAL_ID])
    assert chosen["validation"]["mean"] == pytest.approx(mean, rel=1e-9)
    assert chosen["test"]["accuracy"]["value"] == pytest.approx(trials["test_accuracy"].dropna().iloc[0])
    assert chosen["test"]["accuracy"]["interval"] == "bootstrap"
    assert document["axes"]["width"]["values"][0]["runs"] == REPEATS
    rows = pd.read_parquet(folder / c.TEST_PREDICTIONS_FILE)
    majority = json.loads((folder / c.RUN_FILE).read_text())["baselines"]["predictors"]["majority class"]
    index = list(majority["prior"]).index(str(majority["value"]))
    test = [i for i in document["baselines"]["improvements"] if i["split"] == "test" and i["metric"] == "accuracy"]
    assert test[0]["baseline"] == pytest.approx(float(np.mean(rows["target"] == index)), abs=1e-12)
    assert test[0]["improvement"] == pytest.approx(chosen["test"]["accuracy"]["value"] - test[0]["baseline"])
    box = (tmp_path / "report" / "index.html").read_text()
    assert f"width={width}" in box and f"mean of {REPEATS} runs" in box


def test_each_trial_stores_its_weight_count_and_median_epoch_seconds(repeated: dict[str, Any]) -> None:
    trials = pd.read_parquet(repeated["folder"] / c.TRIALS_FILE).set_index(c.TRIAL_ID)
    assert (trials[c.PARAMS] == trials["width"].map(PARAMS)).all()
    epochs = pd.read_parquet(repeated["folder"] / c.EPOCHS_FILE)
    median = epochs.groupby(c.TRIAL_ID)[c.EPOCH_SECONDS].median()
    pd.testing.assert_series_equal(trials[c.SECONDS_PER_EPOCH].sort_index(), median.sort_index(), check_names=False)


def test_test_predictions_reproduce_the_stored_test_scores(repeated: dict[str, Any]) -> None:
    folder = repeated["folder"]
    rows = pd.read_parquet(folder / c.TEST_PREDICTIONS_FILE)
    chosen = pd.read_parquet(folder / c.TRIALS_FILE).dropna(subset=["test_accuracy"]).iloc[0]
    assert rows.columns.tolist() == [c.ROW, c.TARGET, c.PREDICTION, c.PROBABILITY]
    assert rows[c.ROW].tolist() == list(range(len(rows))) and len(rows) > 100
    assert str(rows[c.TARGET].dtype) == "int64" and str(rows[c.PREDICTION].dtype) == "int64"
    accuracy = float((rows[c.PREDICTION] == rows[c.TARGET]).mean())
    assert math.isclose(accuracy, chosen["test_accuracy"], abs_tol=1e-6)
    cross_entropy = float(-np.log(np.clip(rows[c.PROBABILITY], 1e-7, 1.0)).mean())
    assert cross_entropy == pytest.approx(chosen["test_loss"], rel=1e-4)
